"""Organisation names in the incident pages are isolated (<bdi>), and a list of them is joined
with a translatable separator: a Latin name in Arabic text keeps its comma or colon on the
right side instead of the bidirectional algorithm moving it."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext

from incidents import services
from incidents.models import IndicatorKind, PlatformStatus

pytestmark = pytest.mark.django_db


def _room(client, user, incident):
    client.force_login(user)
    return client.get(f"/incidents/{incident.pk}/").content.decode()


def _invited_line(body):
    return re.search(r'<p class="muted" id="invited-organizations">(.*?)</p>', body).group(1)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_invited_organisations_are_each_isolated(client, incident_with_two_orgs, responder_a, language):
    responder_a.language = language
    responder_a.save(update_fields=["language"])
    line = _invited_line(_room(client, responder_a, incident_with_two_orgs))
    with translation.override(language):
        label, separator = gettext("Invited:"), pgettext("list separator", ", ")
    # The label, then each name isolated, joined by the separator of the page's language.
    name = "<bdi>Provider [AB]</bdi>"
    assert re.fullmatch(rf"{re.escape(label)} {name}{re.escape(separator)}{name}", line)
    assert sorted(re.findall(r"<bdi>(.*?)</bdi>", line)) == ["Provider A", "Provider B"]


def test_no_invited_organisation_says_none(client, secretariat):
    incident = services.declare_incident(actor=secretariat, title="Nobody invited")
    assert _invited_line(_room(client, secretariat, incident)) == "Invited: none"


def test_platform_statuses_isolate_the_organisation(client, incident_with_two_orgs, responder_a, provider_a):
    indicator, _ = services.add_indicator(
        actor=responder_a, incident=incident_with_two_orgs, kind=IndicatorKind.URL, value="https://video.example/x"
    )
    services.set_platform_status(
        actor=responder_a, indicator=indicator, organization=provider_a, status=PlatformStatus.REMOVED
    )
    body = _room(client, responder_a, incident_with_two_orgs)
    assert f'<li data-platform="{provider_a.pk}"><bdi>Provider A</bdi>: Removed</li>' in body
    report = client.get(f"/incidents/{incident_with_two_orgs.pk}/report/").content.decode()
    assert "<li><bdi>Provider A</bdi>: Removed</li>" in report
