"""`python manage.py send_digests`: sends what is due with a progress bar; a second run
sends nothing; `--dry-run` lists who would get what and sends nothing."""

import io

import pytest
from django.core import mail
from django.core.management import call_command

from portal.models import Delivery
from tests.commitments.factories import member_of

from .conftest import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def community(streamwave, kestrel, secretariat, streamwave_member):
    report(kestrel, "OSP1", reviewer=secretariat)
    return [streamwave_member, member_of(streamwave), member_of(kestrel)]


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("send_digests", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_sends_every_due_digest_once_and_nothing_the_second_time(community):
    out, err = run("--batch-size", "2")
    # Three members plus Kestrel's reporter, in batches of two.
    assert len(mail.outbox) == 4
    assert {m.to[0] for m in mail.outbox} >= {u.email for u in community}
    assert "Sent 4," in out
    assert err.strip().splitlines()[-1] == "Digests [" + "#" * 30 + "] 4/4"  # a plain bar: no terminal here

    mail.outbox.clear()
    out, _err = run()
    assert mail.outbox == []
    assert "No digest is due." in out
    assert Delivery.objects.filter(kind="digest").count() == 4


def test_dry_run_lists_who_would_get_what_and_sends_nothing(community, streamwave_member):
    out, _err = run("--dry-run")
    assert mail.outbox == []
    assert not Delivery.objects.filter(kind="digest").exists()  # (the setup's reviews record their own emails)
    line = next(line for line in out.splitlines() if line.startswith(streamwave_member.email))
    assert "\tweekly\t" in line and "community 1" in line
    assert "Dry run: 4 digest(s) due; nothing was sent." in out

    run()  # the dry run left everything to send
    assert len(mail.outbox) == 4


def test_a_bad_batch_size_is_refused(community):
    with pytest.raises(SystemExit):
        run("--batch-size", "0")
    assert mail.outbox == []
