import io

import pytest
from django.apps import apps

from commitments.models import Commitment, Implementation, ProgressUpdate, ReviewState
from portal.models import OrganizationKind, Role, Standing
from tests.portal.factories import OrganizationFactory, UserFactory

from .factories import member_of

pytestmark = pytest.mark.django_db


def test_seed_demo_hook_is_idempotent():
    UserFactory(is_secretariat=True)
    for kind in (OrganizationKind.GOVERNMENT, OrganizationKind.PROVIDER, OrganizationKind.PROVIDER):
        member_of(OrganizationFactory(kind=kind, standing=Standing.SUPPORTER), Role.ADMIN)
    OrganizationFactory(kind=OrganizationKind.PROVIDER, standing=Standing.SUPPORTER)  # no logins: a demo reporter
    config = apps.get_app_config("commitments")

    config.seed_demo(stdout=io.StringIO())
    counts = (Commitment.objects.count(), Implementation.objects.count(), ProgressUpdate.objects.count())
    config.seed_demo(stdout=io.StringIO())

    assert counts == (Commitment.objects.count(), Implementation.objects.count(), ProgressUpdate.objects.count())
    assert counts[0] == 34 and counts[1] == 18 + 29 * 3
    assert ProgressUpdate.objects.filter(review_state=ReviewState.ACCEPTED).count() > 20
    assert Implementation.objects.filter(latest_accepted__isnull=False).exists()


def test_seed_demo_adds_published_reports_and_annotations():
    from commitments.models import Annotation, ReportState, TransparencyReport

    UserFactory(is_secretariat=True)
    member_of(OrganizationFactory(kind=OrganizationKind.PROVIDER, standing=Standing.SUPPORTER), Role.ADMIN)
    OrganizationFactory(kind=OrganizationKind.CIVIL_SOCIETY, standing=Standing.SUPPORTER)
    config = apps.get_app_config("commitments")
    config.seed_demo(stdout=io.StringIO())
    config.seed_demo(stdout=io.StringIO())
    assert TransparencyReport.objects.filter(state=ReportState.PUBLISHED).count() == 3
    assert Annotation.objects.count() == 3
