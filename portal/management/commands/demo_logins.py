"""`manage.py demo_logins`: what a new user needs to try the demo site."""

from django.conf import settings
from django.core.management.base import BaseCommand

from portal import demo
from portal.models import Application, ApplicationStatus, Membership, User


class Command(BaseCommand):
    help = "Print the demo site's address, password, logins and their two-factor codes."

    def handle(self, *args, **options):
        out = self.stdout.write
        users = {u.email: u for u in User.objects.filter(email__in=[login.email for login in demo.DEMO_LOGINS])}
        if not users:
            out("No demo logins found: run `python manage.py seed_demo` first.")
            return
        out(f"Call Portal demo: {settings.SITE_URL.rstrip('/')}/")
        out(f"Every demo login uses the password: {demo.DEMO_PASSWORD}")
        out("")
        width = max(len(login.email) for login in demo.DEMO_LOGINS)
        for login in demo.DEMO_LOGINS:
            user = users.get(login.email)
            out(f"  {login.email:<{width}}  {_describe(user) if user else 'missing: run seed_demo again'}")
        out("")
        out(
            "Two-factor authentication is required for the secretariat and for incident responders: "
            "sign in with the password, then enter the 6-digit code from an authenticator app set up "
            "with the secret below (or one of the recovery codes)."
        )
        for login in demo.DEMO_LOGINS:
            details = demo.two_factor_details(users[login.email]) if login.email in users else None
            if details is None:
                continue
            out("")
            out(f"  {login.email}")
            out(f"    TOTP secret:    {details.secret}")
            out(f"    otpauth URI:    {details.uri}")
            out(f"    code now:       {details.code} (valid for {details.seconds_left} more seconds)")
            out(f"    recovery codes: {', '.join(details.recovery_codes[:3]) or 'none left'}")


def _describe(user: User) -> str:
    parts = []
    if user.is_secretariat:
        parts.append("secretariat (reviews applications, sees every organisation)")
    memberships = Membership.objects.filter(user=user).select_related("organization")
    parts += [f"{m.get_role_display().lower()} of {m.organization.name}" for m in memberships]
    pending = Application.objects.filter(applicant=user, status=ApplicationStatus.PENDING).select_related(
        "organization"
    )
    parts += [f"applicant for {a.organization.name} (waiting for review)" for a in pending]
    return "; ".join(parts) or "no organisation yet"
