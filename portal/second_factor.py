"""Whether the credential behind a request passed the second factor.

Every two-factor gate (the secretariat's tools, incident management, rooms, API token
creation) asks whether *this* session or token passed it, never only whether the user
owns an authenticator: a session opened by a path that skipped the code (the admin's own
login, before it went through allauth) must open nothing that needs two factors.

- A session passed when allauth recorded an "mfa" step for this user in it: signing in
  with the code or a security key, reauthenticating with either, signing in with a passkey
  (allauth requires the key's user verification then), or setting up TOTP or adding a key
  in this session (which proves the code or the key as well: record_set_up).
- An API token passed: only a credential that passed may create one
  (permissions.can_create_api_token), and it stays bound to that proof.
- Any other user object (a task's, a command's) has not.

The answer is noted on the request's user object (`note`), where the permission functions
read it (`passed`): Django's and Channels' authentication middleware hand every later
check the same object. A session of a user who owns an authenticator but skipped it is
no sign-in at all (SecondFactorMiddleware, portal.ws.auth): pages send them to the code,
the API and the room treat them as anonymous.
"""

from types import SimpleNamespace
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.contrib import messages
from django.contrib.auth import user_logged_in
from django.contrib.auth.models import AnonymousUser
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from .middleware import is_api_path, page_redirect

ATTRIBUTE = "portal_second_factor_passed"
# Passed through an organisation's identity provider that counts as the second factor (portal/sso/).
IDENTITY_PROVIDER_ATTRIBUTE = "portal_second_factor_by_identity_provider"
IDENTITY_PROVIDER_TYPE = "identity_provider"
# Memo in the session: this user owned no authenticator when checked (saves a query a request).
NONE_OWNED_KEY = "portal_no_second_factor"
# What a second factor is here: an authenticator app or a security key (passkeys included);
# recovery codes only stand in for one.
FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def note(user, *, passed: bool, by_identity_provider: bool = False):
    """Records on the request's user object whether its credential passed the second factor."""
    setattr(user, ATTRIBUTE, bool(passed))
    setattr(user, IDENTITY_PROVIDER_ATTRIBUTE, bool(passed and by_identity_provider))
    return user


def passed_through_identity_provider(user) -> bool:
    """Whether the pass came from the organisation's identity provider (the user may own no
    authenticator of the portal's then)."""
    return passed(user) and bool(getattr(user, IDENTITY_PROVIDER_ATTRIBUTE, False))


def passed(user) -> bool:
    """Whether the credential this user object came from passed the second factor."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and getattr(user, ATTRIBUTE, False))


def _mfa_records(session, user) -> list[dict]:
    if session is None or not (user and user.is_authenticated):
        return []
    records = get_authentication_records(SimpleNamespace(session=session), user)
    return [record for record in records if isinstance(record, dict) and record.get("method") == "mfa"]


def session_passed(session, user) -> bool:
    """Whether allauth recorded a second-factor step for this user in this session (or its stored data)."""
    return bool(_mfa_records(session, user))


def owns_second_factor(user) -> bool:
    """Whether the user has set up a second factor (whatever the current session did)."""
    if not (user and user.is_authenticated):
        return False
    return Authenticator.objects.filter(user=user, type__in=FACTOR_TYPES).exists()


def _owns_per_session(session, user) -> bool:
    """owns_second_factor, queried once per session for users without one (memo in the
    session); gates still ask `passed`, so a factor set up later elsewhere cannot be skipped
    through the memo."""
    if session is not None and session.get(NONE_OWNED_KEY) == user.pk:
        return False
    if owns_second_factor(user):
        return True
    if session is not None:
        session[NONE_OWNED_KEY] = user.pk
    return False


def admit(session, user) -> bool:
    """Notes on `user` whether this session passed the second factor; False for a session of a
    user who owns one and skipped it: no sign-in (pages, API and websocket alike)."""
    records = _mfa_records(session, user)
    by_provider = any(record.get("type") == IDENTITY_PROVIDER_TYPE for record in records)
    note(user, passed=bool(records), by_identity_provider=by_provider)
    return passed(user) or not _owns_per_session(session, user)


def record_set_up(request, authenticator) -> None:
    """Setting up an authenticator proves it in this session, as signing in with it would:
    a responder sent to set up TOTP or add a key from a room comes back into the room without
    signing in again."""
    from allauth.account.internal.flows.login import record_authentication

    # allauth's own record, the one its sign-in writes: there is no public helper for it.
    record_authentication(request, request.user, "mfa", id=authenticator.pk, type=authenticator.type, set_up=True)
    note(request.user, passed=True)


def record_identity_provider(request, user, *, provider: str, basis: str, amr=None, acr=None) -> None:
    """A sign-in through an organisation's provider that the organisation counts as the second
    factor (portal/sso/sign_in.py): recorded as allauth's own "mfa" step, with why ("amr": the
    provider said it asked for more than a password; "organisation": the organisation says so)."""
    from allauth.account.internal.flows.login import record_authentication

    record_authentication(
        request, user, "mfa", type=IDENTITY_PROVIDER_TYPE, provider=provider, basis=basis, amr=amr, acr=acr
    )
    note(user, passed=True, by_identity_provider=True)


@receiver(authenticator_added, dispatch_uid="portal.second_factor.key_added")
def _record_key_added(sender, request, user, authenticator, **kwargs):
    # Registering a key answers a challenge this session asked for, as a sign-in with it would.
    # (TOTP's set-up is recorded by its view: allauth sends this signal for it only on commit.)
    if authenticator.type != Authenticator.Type.WEBAUTHN:
        return
    current = getattr(request, "user", None)
    if current is not None and current.is_authenticated and current.pk == user.pk:
        record_set_up(request, authenticator)


@receiver(user_logged_in, dispatch_uid="portal.second_factor.login")
def _note_none_owned_at_login(sender, request, user, **kwargs):
    # Saves SecondFactorMiddleware its query on every later request of this session.
    session = getattr(request, "session", None)
    if session is not None and not session_passed(session, user):
        _owns_per_session(session, user)


def was_skipped(request) -> bool:
    """Whether SecondFactorMiddleware refused this request's session for skipping the second factor."""
    return bool(getattr(getattr(request, "_request", request), "portal_second_factor_skipped", False))


def verify_url(next_path: str | None = None, *, user=None) -> str:
    """allauth's page that asks an already signed-in user for the second factor, coming back
    to next_path: the code prompt (which offers a key as well), or the key's own prompt for a
    user who has keys and no authenticator app."""
    name = "mfa_reauthenticate"
    if user is not None and user.is_authenticated:
        types = set(Authenticator.objects.filter(user=user, type__in=FACTOR_TYPES).values_list("type", flat=True))
        if types == {Authenticator.Type.WEBAUTHN}:
            name = "mfa_reauthenticate_webauthn"
    url = reverse(name)
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


# Pages a session that skipped the second factor may still open: the prompts, signing out.
OPEN_PATHS = ("mfa_reauthenticate", "mfa_reauthenticate_webauthn", "account_logout")


class SecondFactorMiddleware:
    """Notes on request.user whether the session passed the second factor, and refuses a
    session that skipped one the user owns on every route: pages redirect to the code prompt,
    the API sees an anonymous request. Runs after authentication and the session policy."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open = None

    def open_paths(self) -> set[str]:
        if self._open is None:
            self._open = {reverse(name) for name in OPEN_PATHS}
        return self._open

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not admit(request.session, user):
            response = self.refuse(request)
            if response is not None:
                return response
        return self.get_response(request)

    def refuse(self, request):
        if is_api_path(request.path):
            request.user = AnonymousUser()  # DRF's session authentication reads this user
            request.portal_second_factor_skipped = True  # for the API's message (was_skipped)
            return None
        if request.path in self.open_paths() or request.path.startswith(("/static/", "/healthz", "/readyz")):
            return None
        messages.warning(request, _("Confirm with your authenticator app or security key to continue."))
        next_path = request.get_full_path() if request.method == "GET" else None
        return page_redirect(request, verify_url(next_path, user=request.user))
