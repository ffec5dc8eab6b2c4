"""portal/hot_reads.py builds its SQL from the models: what it reads must be what the ORM reads,
value for value and type for type, on SQLite and PostgreSQL alike."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal import hot_reads, permissions, services
from portal.models import Membership, Role, Standing, User

from .factories import MembershipFactory, OrganizationFactory, UserFactory, make_totp

pytestmark = pytest.mark.django_db


def columns(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_a_tokens_user_is_the_user_the_orm_reads_column_for_column():
    user = UserFactory(full_name="Aroha", language="fr", time_zone="Pacific/Auckland", is_secretariat=True)
    user.last_login = timezone.now() - timedelta(days=1)
    user.save()
    make_totp(user)  # the secretariat's tokens need a second factor
    token, key = services.create_api_token(user=user, name="t")
    ((token_id, key_hash, last_used_at, read),) = hot_reads.live_tokens([services.hash_token_key(key)])
    expected = User.objects.get(pk=user.pk)
    assert (token_id, key_hash, last_used_at) == (token.pk, token.key_hash, None)
    assert columns(read) == columns(expected)
    assert {name: type(value) for name, value in columns(read).items()} == {
        name: type(value) for name, value in columns(expected).items()
    }
    assert read._state.adding is False and read._state.db == "default"  # saved as a loaded instance is
    assert read.is_authenticated and read.is_secretariat is True


def test_revoked_and_unknown_keys_read_nothing_and_many_keys_read_once_each():
    user = UserFactory()
    live = [services.create_api_token(user=user, name=str(i), by_operator=True) for i in range(3)]
    revoked, revoked_key = services.create_api_token(user=user, name="old", by_operator=True)
    services.revoke_api_token(actor=user, token=revoked)
    hashes = [services.hash_token_key(key) for _token, key in live]
    asked = [*hashes, services.hash_token_key(revoked_key), services.hash_token_key("cp_unknown")]
    found = hot_reads.live_tokens(asked)
    assert sorted(key_hash for _id, key_hash, _used, _user in found) == sorted(hashes)


def test_memberships_are_what_the_orm_reads_with_their_roles_and_standing():
    user = UserFactory()
    suspended = OrganizationFactory(standing=Standing.SUSPENDED)
    MembershipFactory(user=user, roles=[Role.ADMIN, Role.RESPONDER])
    MembershipFactory(user=user, organization=suspended, roles=[Role.MEMBER])
    MembershipFactory()  # someone else's
    expected = sorted(
        (m.organization_id, m.organization.standing, tuple(m.roles))
        for m in Membership.objects.filter(user=user).select_related("organization")
    )
    assert sorted(hot_reads.membership_rows(user.pk)) == expected
    assert all(isinstance(role, str) for _org, _standing, roles in expected for role in roles)
    assert permissions.roles_of(user) == {org: roles for org, _standing, roles in expected}


def test_roles_and_the_commitments_viewer_share_one_read(django_assert_num_queries):
    from commitments.selectors import viewer_for

    user = User.objects.get(pk=MembershipFactory(roles=[Role.REPORTER]).user_id)
    with django_assert_num_queries(1):
        roles = permissions.roles_of(user)
        viewer = viewer_for(user)
    assert viewer.own_org_ids == frozenset(roles)
    permissions.forget_roles(user)  # after a change of memberships: read again
    with django_assert_num_queries(1):
        permissions.roles_of(user)
