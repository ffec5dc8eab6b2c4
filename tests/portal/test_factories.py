import pytest

from portal import permissions
from portal.models import User

from .factories import MembershipFactory, UserFactory, make_totp


@pytest.mark.django_db
def test_totp_factory_enables_crisis_areas():
    user = UserFactory()
    assert not permissions.can_enter_crisis_areas(user)
    make_totp(user)
    assert permissions.can_enter_crisis_areas(user)  # this object stands for the session that set it up
    assert not permissions.can_enter_crisis_areas(User.objects.get(pk=user.pk))  # no credential passed it


@pytest.mark.django_db
def test_membership_factory_gives_role():
    membership = MembershipFactory(role="admin")
    assert permissions.roles_in(membership.user, membership.organization) == ("admin",)
    assert permissions.can_apply(membership.user)
