"""Services: personal API tokens (created, revoked, authenticated; stored hashed)."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal import services
from portal.models import ApiToken, AuditEvent, Role

from .factories import MembershipFactory, UserFactory, make_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return MembershipFactory(role=Role.MEMBER).user


@pytest.fixture
def token_and_key(member):
    return services.create_api_token(user=member, name="CI export")


def test_a_token_is_stored_hashed_and_shown_once(member, token_and_key):
    token, key = token_and_key
    assert key.startswith("cp_") and len(key) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert stored.prefix == key[:10]
    assert key not in {stored.name, stored.prefix, stored.key_hash}
    event = AuditEvent.objects.get(action="api_token.created")
    assert (event.actor, event.data) == (member, {"prefix": key[:10]})


def test_each_token_gets_its_own_key(member):
    keys = {services.create_api_token(user=member, name="t")[1] for _ in range(3)}
    assert len(keys) == 3


def test_a_token_name_defaults_and_is_trimmed(member):
    assert services.create_api_token(user=member, name="   ")[0].name == "API token"
    assert len(services.create_api_token(user=member, name="x" * 300)[0].name) == 100


def test_the_key_authenticates_its_user(member, token_and_key):
    _, key = token_and_key
    assert services.authenticate_api_key(key) == member
    assert services.authenticate_api_key(key + "x") is None
    assert services.authenticate_api_key("") is None


def test_use_is_recorded_at_most_every_few_minutes(token_and_key):
    token, key = token_and_key
    services.authenticate_api_key(key)
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None

    services.authenticate_api_key(key)
    token.refresh_from_db()
    assert token.last_used_at == first_use  # not a write per request

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - timedelta(minutes=10))
    services.authenticate_api_key(key)
    token.refresh_from_db()
    assert token.last_used_at >= first_use


def test_a_revoked_token_no_longer_authenticates(member, token_and_key):
    token, key = token_and_key
    services.revoke_api_token(actor=member, token=token)
    assert token.revoked_at is not None and not token.is_active
    assert services.authenticate_api_key(key) is None
    event = AuditEvent.objects.get(action="api_token.revoked")
    assert (event.actor, event.data) == (member, {"prefix": token.prefix})


def test_revoking_twice_is_recorded_once(member, token_and_key):
    token, _ = token_and_key
    services.revoke_api_token(actor=member, token=token)
    first = ApiToken.objects.get(pk=token.pk).revoked_at
    services.revoke_api_token(actor=member, token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at == first
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def test_nobody_else_revokes_a_token(token_and_key):
    token, key = token_and_key
    colleague = MembershipFactory(organization=token.user.memberships.get().organization, role=Role.ADMIN).user
    with pytest.raises(PermissionDenied):
        services.revoke_api_token(actor=colleague, token=token)
    assert services.authenticate_api_key(key) == token.user


def test_the_secretariat_may_revoke_any_token(token_and_key):
    token, key = token_and_key
    secretariat = UserFactory(is_secretariat=True)
    services.revoke_api_token(actor=secretariat, token=token)
    assert services.authenticate_api_key(key) is None
    assert AuditEvent.objects.get(action="api_token.revoked").actor == secretariat


def test_an_inactive_user_cannot_create_or_use_a_token(member, token_and_key):
    _, key = token_and_key
    member.is_active = False
    member.save()
    assert services.authenticate_api_key(key) is None
    with pytest.raises(ValidationError):
        services.create_api_token(user=member, name="again")
    assert ApiToken.objects.count() == 1


def test_the_secretariat_needs_two_factor_before_a_token():
    secretariat = UserFactory(is_secretariat=True)
    with pytest.raises(PermissionDenied):
        services.create_api_token(user=secretariat, name="ops")
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.exists()
    make_totp(secretariat)
    _token, key = services.create_api_token(user=secretariat, name="ops")
    assert services.authenticate_api_key(key) == secretariat


def test_a_responder_needs_two_factor_before_a_token():
    responder = MembershipFactory(role=Role.RESPONDER).user
    with pytest.raises(PermissionDenied):
        services.create_api_token(user=responder, name="bot")
    make_totp(responder)
    assert services.create_api_token(user=responder, name="bot")[0].user == responder


@pytest.mark.parametrize("role", [Role.ADMIN, Role.REPORTER, Role.MEMBER])
def test_other_roles_need_no_two_factor(role):
    user = MembershipFactory(role=role).user
    assert services.create_api_token(user=user, name="t")[0].is_active


def test_a_user_without_an_organisation_may_create_a_token():
    assert services.create_api_token(user=UserFactory(), name="t")[0].is_active


@pytest.mark.parametrize("size", [2, 30])
def test_many_keys_are_authenticated_in_one_query(member, size, django_assert_max_num_queries):
    other = UserFactory()
    keys = [services.create_api_token(user=member, name="wall")[1] for _ in range(size)]
    others_key = services.create_api_token(user=other, name="own")[1]
    revoked, revoked_key = services.create_api_token(user=member, name="old")
    services.revoke_api_token(actor=member, token=revoked)
    asked = [keys[0], *keys, others_key, "cp_unknown", revoked_key, keys[0]]
    with django_assert_max_num_queries(2):  # the tokens with their users; last_used_at of the stale
        users = services.authenticate_api_keys(asked)
    assert users[: size + 1] == [member] * (size + 1)
    assert users[size + 1 :] == [other, None, None, member]
    assert users[0] is users[-1]  # one key asked twice: one user object
    with django_assert_max_num_queries(1):  # just used: last_used_at is not written again
        assert services.authenticate_api_keys(keys) == [member] * size
