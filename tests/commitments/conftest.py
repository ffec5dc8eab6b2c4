import pytest

from commitments.models import Commitment
from commitments.services import load_catalogue
from portal.models import OrganizationKind, Role
from tests.commitments.factories import implementation_of, member_of, supporter


@pytest.fixture
def catalogue(db):
    load_catalogue()
    return {c.code: c for c in Commitment.objects.select_related("current_revision")}


@pytest.fixture
def provider(catalogue):
    return supporter(kind=OrganizationKind.PROVIDER)


@pytest.fixture
def government(catalogue):
    return supporter(kind=OrganizationKind.GOVERNMENT, country="FR")


@pytest.fixture
def reporter(provider):
    return member_of(provider, Role.REPORTER)


@pytest.fixture
def provider_member(provider):
    return member_of(provider, Role.MEMBER)


@pytest.fixture
def government_reporter(government):
    return member_of(government, Role.REPORTER)


@pytest.fixture
def osp1(provider):
    return implementation_of(provider, "OSP1")
