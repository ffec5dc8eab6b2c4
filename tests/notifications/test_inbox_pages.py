"""The notification centre: the bell's count in the header, the list page, marking read
(page and API), and the queries each takes whatever the number of notifications."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from portal.notifications import inbox
from portal.notifications.stream_models import Notification
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db

MESSAGE = "Incident #%(number)s was declared."


def notify(user, count=1, start=0):
    for number in range(start, start + count):
        inbox.notify(
            recipients=[user],
            kind="incident.declared",
            key=f"k{number}",
            message=MESSAGE,
            params={"number": number},
            url=f"/incidents/{number}/",
        )


@pytest.fixture
def ana():
    return UserFactory(language="")


@pytest.fixture
def ana_client(ana):
    client = Client()
    client.force_login(ana)
    return client


def test_the_bell_shows_the_unread_count_on_every_page(ana, ana_client):
    notify(ana, 3)
    page = ana_client.get(reverse("portal:home")).content.decode()
    assert "data-notification-bell" in page and "data-unread-count>3</span>" in page
    assert "portal/notifications.js" in page
    anonymous = Client().get(reverse("portal:home")).content.decode()
    assert "data-notification-bell" not in anonymous and "portal/notifications.js" not in anonymous


def test_the_list_shows_only_ones_own_notifications_newest_first(ana, ana_client):
    notify(ana, 2)
    notify(UserFactory(), 1, start=7)
    response = ana_client.get(reverse("portal:notification_list"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    page = response.content.decode()
    assert page.index("Incident #1 was declared.") < page.index("Incident #0 was declared.")
    assert 'href="/incidents/1/"' in page and "Incident #7" not in page


def test_the_list_reads_in_the_pages_language(ana, ana_client):
    notify(ana, 1)
    ana_client.post(reverse("portal:set_language"), {"language": "ar"})
    page = ana_client.get(reverse("portal:notification_list")).content.decode()
    assert 'dir="rtl"' in page and "مركز الإشعارات" in page and "تم إعلان الحادث رقم 0" in page


def test_mark_read_and_mark_all_read_need_the_csrf_token_and_change_only_ones_own(ana):
    notify(ana, 3)
    ben = UserFactory()
    notify(ben, 1)
    first = Notification.objects.get(user=ana, seq=1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(ana)
    assert client.post(reverse("portal:notification_read", args=[first.pk])).status_code == 403
    assert Notification.objects.filter(read_at__isnull=False).count() == 0

    client = Client()
    client.force_login(ana)
    response = client.post(reverse("portal:notification_read", args=[first.pk]), {"next": "/notifications/?page=1"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?page=1"
    first.refresh_from_db()
    assert first.read_at is not None
    theirs = Notification.objects.get(user=ben)
    assert client.post(reverse("portal:notification_read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("portal:notification_read", args=[first.pk]), {"next": "https://evil.example/"})[
        "Location"
    ] == reverse("portal:notification_list")
    assert client.post(reverse("portal:notification_read_all")).status_code == 302
    assert not Notification.objects.filter(user=ana, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=ben, read_at__isnull=True).count() == 1
    assert "data-unread-count>0</span>" in client.get(reverse("portal:home")).content.decode()


def test_the_api_lists_and_marks_read(ana):
    notify(ana, 2)
    theirs = UserFactory()
    notify(theirs, 1)
    api = APIClient()
    api.force_authenticate(ana)
    body = api.get("/api/v1/notifications/").json()
    assert body["count"] == 2
    newest = body["results"][0]
    assert newest["seq"] == 2 and newest["text"] == "Incident #1 was declared." and newest["read"] is False
    assert newest["url"] == "/incidents/1/"
    assert api.post(f"/api/v1/notifications/{newest['id']}/read/").json() == {"unread": 1}
    assert api.post(f"/api/v1/notifications/{newest['id']}/read/").json() == {"unread": 1}  # a repeat: no change
    other = Notification.objects.get(user=theirs)
    assert api.post(f"/api/v1/notifications/{other.pk}/read/").status_code == 404
    assert api.post("/api/v1/notifications/read-all/").json() == {"unread": 0}
    assert Notification.objects.filter(user=theirs, read_at__isnull=True).count() == 1
    assert api.get("/api/v1/notifications/", {"page_size": "x"}).status_code == 200


@pytest.mark.parametrize("size", [1, 40])
def test_the_page_and_the_api_run_a_fixed_number_of_queries(ana, ana_client, size, django_assert_max_num_queries):
    notify(ana, size)
    api = APIClient()
    api.force_authenticate(ana)
    # Session, user, the bell's count, the page's count and its rows; the API the last two.
    with django_assert_max_num_queries(5):
        assert ana_client.get(reverse("portal:notification_list")).status_code == 200
    with django_assert_max_num_queries(2):
        assert api.get("/api/v1/notifications/").status_code == 200
