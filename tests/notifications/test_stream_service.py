"""The per-user notification stream's writes and reads (portal.notifications.inbox)."""

import json

import pytest
from django.utils import translation

from portal.notifications import inbox, inbox_queries, stream
from portal.notifications.stream_models import Notification
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db

MESSAGE = "Incident #%(number)s was declared."


def send(recipients, key="incident.declared:1", **extra):
    return inbox.notify(
        recipients=recipients, kind="incident.declared", key=key, message=MESSAGE, params={"number": 1}, **extra
    )


def test_each_user_gets_consecutive_seqs_from_one():
    ana, ben = UserFactory(), UserFactory()
    send([ana, ben], key="a")
    send([ana], key="b")
    send([ben.pk, ana], key="c")
    assert list(Notification.objects.filter(user=ana).order_by("seq").values_list("seq", "key")) == [
        (1, "a"),
        (2, "b"),
        (3, "c"),
    ]
    assert list(Notification.objects.filter(user=ben).order_by("seq").values_list("seq", "key")) == [(1, "a"), (2, "c")]
    assert inbox_queries.last_seq(ana.pk) == 3 and inbox_queries.last_seq(ben.pk) == 2


def test_the_same_key_is_stored_once_per_person_whatever_reruns():
    ana, ben = UserFactory(), UserFactory()
    assert len(send([ana])) == 1
    assert send([ana]) == []
    created = send([ana, ben])  # a rerun that now also reaches ben
    assert [n.user_id for n in created] == [ben.pk]
    assert Notification.objects.filter(user=ana).count() == 1
    assert inbox_queries.last_seq(ana.pk) == 1


def test_inactive_users_and_empty_audiences_get_nothing():
    gone = UserFactory(is_active=False)
    assert send([gone]) == [] and send([]) == [] and send([None]) == []
    assert not Notification.objects.exists()


def test_the_text_is_translated_when_read():
    ana = UserFactory(language="fr")
    [notification] = send([ana])
    assert notification.text == "Incident #1 was declared."
    with translation.override("fr"):
        assert notification.text == "L'incident n° 1 a été déclaré."
    [(_seq, text)] = stream.encoded_frames([notification], language="ar")
    assert "\u0627\u0644\u062d\u0627\u062f\u062b" in json.loads(text)["text"]  # "the incident", in Arabic


def test_bad_parameters_show_the_sentence_rather_than_fail():
    ana = UserFactory()
    [notification] = inbox.notify(recipients=[ana], kind="x", key="k", message=MESSAGE, params={"wrong": 1})
    assert notification.text == MESSAGE


def test_mark_read_touches_only_ones_own_unread_notification():
    ana, ben = UserFactory(), UserFactory()
    [mine] = send([ana], key="a")
    [theirs] = send([ben], key="a")
    send([ana], key="b")
    assert inbox_queries.unread_count(ana.pk) == 2
    assert inbox.mark_read(user=ana, notification_id=theirs.pk) is False
    assert inbox.mark_read(user=ana, notification_id=mine.pk) is True
    assert inbox.mark_read(user=ana, notification_id=mine.pk) is False  # already read: nothing changes
    assert inbox_queries.unread_count(ana.pk) == 1 and inbox_queries.unread_count(ben.pk) == 1
    assert inbox.mark_all_read(user=ana) == 1
    assert inbox_queries.unread_count(ana.pk) == 0 and inbox_queries.unread_count(ben.pk) == 1
