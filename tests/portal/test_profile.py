"""Display names: chosen by each person (with optional pronouns and job title), shown wherever
a person is named instead of any part of their address, which only the secretariat, the person
and the admins of the person's organisations see."""

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from portal import permissions, services
from portal.models import AuditEvent, Role, User

from .factories import MembershipFactory, OrganizationFactory, UserFactory

PROFILE = reverse("portal:profile")


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


@pytest.mark.django_db
def test_a_person_without_a_chosen_name_is_shown_by_number_never_by_address():
    user = UserFactory(full_name="", email="rua.tane@kiwi.example")
    assert user.display_name == f"Member #{user.pk}"
    assert "rua" not in user.display_name


@pytest.mark.django_db
def test_updating_the_profile_saves_it_and_is_audited():
    user = UserFactory(full_name="")
    changed = services.update_profile(user=user, full_name="  Rua Tane ", pronouns="they/them", job_title="Analyst")
    assert changed == ["full_name", "pronouns", "job_title"]
    saved = fresh(user)
    assert (saved.full_name, saved.pronouns, saved.job_title) == ("Rua Tane", "they/them", "Analyst")
    event = AuditEvent.objects.get(action="account.profile_updated")
    assert event.actor == user and event.data == {"fields": changed}
    assert services.update_profile(user=saved, full_name="Rua Tane", pronouns="they/them", job_title="Analyst") == []
    assert AuditEvent.objects.filter(action="account.profile_updated").count() == 1  # nothing changed, nothing logged


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "error_field"),
    [({"full_name": "   "}, "full_name"), ({"full_name": "Rua", "pronouns": "x" * 41}, "pronouns")],
)
def test_a_bad_profile_is_refused_and_changes_nothing(fields, error_field):
    user = UserFactory(full_name="Kept Name")
    with pytest.raises(ValidationError) as refused:
        services.update_profile(user=user, **fields)
    assert error_field in refused.value.error_dict
    assert fresh(user).full_name == "Kept Name" and fresh(user).pronouns == ""
    assert not AuditEvent.objects.filter(action="account.profile_updated").exists()


@pytest.mark.django_db
def test_the_profile_page_saves_and_refuses_a_blank_name(client):
    user = UserFactory(full_name="Old Name")
    client.force_login(user)
    assert 'value="Old Name"' in client.get(PROFILE).content.decode()
    response = client.post(PROFILE, {"full_name": "", "pronouns": "she/her"})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert fresh(user).pronouns == ""
    response = client.post(PROFILE, {"full_name": "New Name", "pronouns": "she/her", "job_title": ""})
    assert response.status_code == 302 and response.url == PROFILE
    assert (fresh(user).full_name, fresh(user).pronouns) == ("New Name", "she/her")


@pytest.mark.django_db
def test_who_sees_a_persons_address():
    organization, elsewhere = OrganizationFactory(), OrganizationFactory()
    person = MembershipFactory(organization=organization, role=Role.RESPONDER).user
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    colleague = MembershipFactory(organization=organization, role=Role.MEMBER).user
    other_admin = MembershipFactory(organization=elsewhere, role=Role.ADMIN).user
    for viewer, sees in [
        (UserFactory(is_secretariat=True), True),
        (person, True),
        (admin, True),
        (colleague, False),
        (other_admin, False),
        (UserFactory(), False),
    ]:
        assert permissions.can_see_email(viewer, person) is sees, viewer


@pytest.mark.django_db
def test_a_person_is_named_with_pronouns_and_title_and_the_address_only_for_those_who_may_see_it():
    organization = OrganizationFactory()
    person = MembershipFactory(organization=organization, role=Role.RESPONDER).user
    services.update_profile(user=person, full_name="Rua Tane", pronouns="they/them", job_title="Trust & Safety")
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    colleague = MembershipFactory(organization=organization, role=Role.MEMBER).user

    def shown_to(viewer) -> str:
        request = RequestFactory().get("/")
        request.user = viewer
        return Template("{% load people %}{% person p email=True %}").render(Context({"p": person, "request": request}))

    for_colleague = shown_to(colleague)
    assert "Rua Tane" in for_colleague and "(they/them)" in for_colleague and "Trust &amp; Safety" in for_colleague
    assert person.email not in for_colleague
    assert person.email in shown_to(admin)
    assert Template("{% load people %}{% person nobody %}").render(Context({"nobody": None})) == "System"
