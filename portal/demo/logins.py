"""What `manage.py demo_logins` prints: the site's address, the shared password, each demo
login with what it may do, and, for the logins with two-factor, the TOTP secret, the code
valid now and unused recovery codes."""

import time
from dataclasses import dataclass

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings

from ..models import Application, ApplicationStatus, Membership, User
from .data import DEMO_LOGINS, DEMO_PASSWORD


def write_logins(*, stdout) -> None:
    out = stdout.write
    users = {u.email: u for u in User.objects.filter(email__in=[login.email for login in DEMO_LOGINS])}
    if not users:
        out("No demo logins found: run `python manage.py seed_demo` first.")
        return
    out(f"Call Portal demo: {settings.SITE_URL.rstrip('/')}/")
    out(f"Every demo login uses the password: {DEMO_PASSWORD}")
    out("")
    width = max(len(login.email) for login in DEMO_LOGINS)
    for login in DEMO_LOGINS:
        user = users.get(login.email)
        out(f"  {login.email:<{width}}  {_describe(user) if user else 'missing: run seed_demo again'}")
    out("")
    out(
        "Two-factor authentication is required for the secretariat and for incident responders: "
        "sign in with the password, then enter the 6-digit code from an authenticator app set up "
        "with the secret below (or one of the recovery codes)."
    )
    for login in DEMO_LOGINS:
        details = two_factor_details(users[login.email]) if login.email in users else None
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
    parts += [f"{m.get_roles_display().lower()} of {m.organization.name}" for m in memberships]
    pending = Application.objects.filter(applicant=user, status=ApplicationStatus.PENDING).select_related(
        "organization"
    )
    parts += [f"applicant for {a.organization.name} (waiting for review)" for a in pending]
    return "; ".join(parts) or "no organisation yet"


@dataclass(frozen=True)
class TwoFactorDetails:
    secret: str
    uri: str
    code: str
    seconds_left: int
    recovery_codes: list[str]


def two_factor_details(user: User) -> TwoFactorDetails | None:
    """The user's actual TOTP secret (read back, in case it was reset since seeding),
    the code valid now, and their unused recovery codes."""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return None
    secret = decrypt(authenticator.data["secret"])
    now, period = int(time.time()), mfa_settings.TOTP_PERIOD
    recovery = Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).first()
    return TwoFactorDetails(
        secret=secret,
        uri=get_mfa_adapter().build_totp_url(user, secret),
        code=format_hotp_value(hotp_value(secret, now // period)),
        seconds_left=period - now % period,
        recovery_codes=RecoveryCodes(recovery).get_unused_codes() if recovery else [],
    )
