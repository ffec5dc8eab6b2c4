"""What each role sees, per resource. The API and pages use these same selectors."""

import datetime

import pytest
from django.http import Http404

from commitments import permissions
from commitments.selectors import commitment_dashboard, list_implementations_for, list_progress_updates_for
from commitments.services import review_progress
from portal.models import OrganizationKind, Role, Standing
from tests.portal.factories import OrganizationFactory, UserFactory

from .factories import accepted, member_of, record, yesterday

pytestmark = pytest.mark.django_db


@pytest.fixture
def osp1_with_every_kind_of_update(reporter, osp1, secretariat):
    """Accepted public (oldest, 20%), supporters (40%) and secretariat-only (90%, newest) updates,
    one awaiting review and one sent back."""
    day = yesterday()
    updates = {
        "public": accepted(reporter, osp1, secretariat, progress=20, as_of=day - datetime.timedelta(days=3)),
        "supporters": accepted(
            reporter, osp1, secretariat, progress=40, visibility="supporters", as_of=day - datetime.timedelta(days=2)
        ),
        "secretariat": accepted(
            reporter, osp1, secretariat, status="substantial", progress=90, visibility="secretariat"
        ),
        "submitted": record(reporter, osp1, progress=95, status="substantial"),
        "returned": review_progress(
            actor=secretariat, update=record(reporter, osp1), decision="return", comment="Needs evidence"
        ),
    }
    return osp1, updates


def viewers(provider, secretariat):
    other_supporter = OrganizationFactory(kind=OrganizationKind.CIVIL_SOCIETY, standing=Standing.SUPPORTER)
    applicant = OrganizationFactory(kind=OrganizationKind.PROVIDER, standing=Standing.APPLICANT)
    return {
        "anonymous": None,
        "outsider": UserFactory(),
        "applicant member": member_of(applicant),
        "other supporter's member": member_of(other_supporter),
        "own member": member_of(provider, Role.MEMBER),
        "secretariat": secretariat,
    }


EXPECTED_UPDATES = {
    "anonymous": {"public"},
    "outsider": {"public"},
    "applicant member": {"public"},
    "other supporter's member": {"public", "supporters"},
    "own member": {"public", "supporters", "secretariat", "submitted", "returned"},
    "secretariat": {"public", "supporters", "secretariat", "submitted", "returned"},
}
EXPECTED_PROGRESS = {
    "anonymous": 20,
    "outsider": 20,
    "applicant member": 20,
    "other supporter's member": 40,
    "own member": 90,
    "secretariat": 90,
}


def as_user(user):
    from django.contrib.auth.models import AnonymousUser

    return user or AnonymousUser()


def test_progress_updates_per_role(osp1_with_every_kind_of_update, provider, secretariat):
    _osp1, updates = osp1_with_every_kind_of_update
    names = {update.pk: name for name, update in updates.items()}
    for role, user in viewers(provider, secretariat).items():
        seen = {names[pk] for pk in list_progress_updates_for(as_user(user)).values_list("pk", flat=True)}
        assert seen == EXPECTED_UPDATES[role], role
        for name, update in updates.items():
            if name in EXPECTED_UPDATES[role]:
                assert permissions.access_progress_update(as_user(user), update.pk).pk == update.pk
            else:
                with pytest.raises(Http404):
                    permissions.access_progress_update(as_user(user), update.pk)


def test_implementation_figures_per_role(osp1_with_every_kind_of_update, provider, secretariat):
    osp1, _updates = osp1_with_every_kind_of_update
    for role, user in viewers(provider, secretariat).items():
        row = list_implementations_for(as_user(user)).get(pk=osp1.pk)
        assert row.current_progress == EXPECTED_PROGRESS[role], role


def test_dashboard_per_role(osp1_with_every_kind_of_update, provider, secretariat):
    for role, user in viewers(provider, secretariat).items():
        row = next(r for r in commitment_dashboard(as_user(user)) if r["commitment"].code == "OSP1")
        assert row["total"] == 1
        assert row["average_progress"] == EXPECTED_PROGRESS[role], role


def test_applicant_organisations_implementations_are_hidden(catalogue, secretariat):
    from commitments.models import Implementation
    from commitments.services import ensure_implementations

    org = OrganizationFactory(kind=OrganizationKind.PROVIDER, standing=Standing.SUPPORTER)
    ensure_implementations(organization=org)
    org.standing = Standing.REJECTED
    org.save()
    implementation = Implementation.objects.filter(organization=org).first()

    with pytest.raises(Http404):
        permissions.access_implementation(UserFactory(), implementation.pk)
    assert permissions.access_implementation(member_of(org), implementation.pk)
    assert permissions.access_implementation(secretariat, implementation.pk)
