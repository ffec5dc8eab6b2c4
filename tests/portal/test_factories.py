import pytest

from portal import permissions

from .factories import MembershipFactory, UserFactory, make_totp


@pytest.mark.django_db
def test_totp_factory_enables_crisis_areas():
    user = UserFactory()
    assert not permissions.can_enter_crisis_areas(user)
    make_totp(user)
    assert permissions.can_enter_crisis_areas(user)


@pytest.mark.django_db
def test_membership_factory_gives_role():
    membership = MembershipFactory(role="admin")
    assert permissions.role_in(membership.user, membership.organization) == "admin"
    assert permissions.can_apply(membership.user)
