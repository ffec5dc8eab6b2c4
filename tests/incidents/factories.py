"""Builders for the incidents world. Organisations and memberships are background rows
(tests.portal.factories); incidents are declared through incidents.services in the tests."""

from portal.models import Role
from tests.portal.factories import MembershipFactory, UserFactory, make_totp


def responder_of(organization, *, two_factor=True, role=Role.RESPONDER):
    """A new user with `role` in `organization`, with two-factor set up unless told otherwise."""
    user = UserFactory()
    MembershipFactory(user=user, organization=organization, role=role)
    if two_factor:
        make_totp(user)
    return user
