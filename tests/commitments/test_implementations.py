import pytest

from commitments.models import Commitment, Implementation
from commitments.services import create_commitment, ensure_implementations, retire_commitment
from portal.models import OrganizationKind, Standing
from portal.services import change_standing
from tests.portal.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def codes_of(org):
    return set(Implementation.objects.filter(organization=org).values_list("commitment__code", flat=True))


def test_provider_gets_provider_and_joint_commitments_and_the_industry_plan(provider):
    codes = codes_of(provider)
    assert len(codes) == 7 + 13 + 9
    assert "OSP1" in codes and "J8" in codes and "IND9" in codes
    assert not any(code.startswith("G") for code in codes)


def test_government_gets_government_and_joint_commitments(government):
    codes = codes_of(government)
    assert len(codes) == 5 + 13
    assert "G1" in codes and "J1" in codes and "OSP1" not in codes


@pytest.mark.parametrize("kind", [OrganizationKind.CIVIL_SOCIETY, OrganizationKind.PARTNER])
def test_civil_society_and_partners_implement_nothing_by_default(catalogue, kind):
    org = OrganizationFactory(kind=kind, standing=Standing.SUPPORTER)
    assert ensure_implementations(organization=org) == 0


def test_ensure_implementations_is_idempotent(provider):
    before = Implementation.objects.count()
    assert ensure_implementations() == 0
    assert Implementation.objects.count() == before


def test_new_supporter_gets_implementations_through_the_signal(
    catalogue, secretariat, django_capture_on_commit_callbacks
):
    org = OrganizationFactory(kind=OrganizationKind.GOVERNMENT, standing=Standing.APPLICANT)
    assert not codes_of(org)

    with django_capture_on_commit_callbacks(execute=True):
        change_standing(actor=secretariat, organization=org, standing=Standing.SUPPORTER)

    assert len(codes_of(org)) == 18


@pytest.mark.parametrize("standing", [Standing.ENDORSES, Standing.REJECTED])
def test_other_standings_get_no_implementations(catalogue, secretariat, django_capture_on_commit_callbacks, standing):
    org = OrganizationFactory(kind=OrganizationKind.GOVERNMENT, standing=Standing.APPLICANT)
    with django_capture_on_commit_callbacks(execute=True):
        change_standing(actor=secretariat, organization=org, standing=standing)
    assert not codes_of(org)


def test_a_new_commitment_reaches_every_supporter_it_applies_to(provider, government, secretariat):
    civil = OrganizationFactory(kind=OrganizationKind.CIVIL_SOCIETY, standing=Standing.SUPPORTER)
    commitment = create_commitment(
        actor=secretariat,
        code="X1",
        audience="everyone",
        group="call",
        order=99,
        translations={"en": {"title": "Everyone", "description": "Applies to all"}},
    )
    assert set(Implementation.objects.filter(commitment=commitment).values_list("organization", flat=True)) == {
        provider.pk,
        government.pk,
        civil.pk,
    }


def test_retired_commitments_are_not_given_to_new_supporters(catalogue, secretariat):
    retire_commitment(actor=secretariat, commitment=Commitment.objects.get(code="G1"))
    org = OrganizationFactory(kind=OrganizationKind.GOVERNMENT, standing=Standing.SUPPORTER)
    ensure_implementations(organization=org)
    assert "G1" not in codes_of(org)
