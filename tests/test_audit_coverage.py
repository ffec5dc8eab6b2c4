"""Every write service for incidents (their alerts included), standings, memberships, API tokens, webhooks and
commitments records an AuditEvent. The public functions of those service modules are enumerated: each must be in exactly
one table below, so a new write function fails here until someone decides how it is audited."""

import inspect
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

import pytest
from django.utils import timezone

from commitments import services as commitments
from incidents import services as incidents
from incidents.models import IndicatorKind, Status, Tier, Tlp
from incidents.services import alerts
from portal import services as portal
from portal.calendar import services as calendar
from portal.models import AuditEvent, Membership, OrganizationKind, Role
from portal.sso import services as sso
from portal.webhooks import delivery as webhook_delivery
from portal.webhooks import services as webhooks
from tests.helpers.saml_keys import key_and_certificate
from tests.portal.factories import MembershipFactory, OrganizationFactory, SecretariatFactory, UserFactory, make_totp

MODULES = [
    "commitments.services.annotations",
    "commitments.services.attachments",
    "commitments.services.catalogue",
    "commitments.services.implementations",
    "commitments.services.progress",
    "commitments.services.transparency",
    "portal.services.audit",
    "portal.services.organizations",
    "portal.services.applications",
    "portal.services.memberships",
    "portal.services.invitations",
    "portal.services.tokens",
    "portal.services.accounts",
    "portal.services.contacts",
    "portal.services.deputies",
    "portal.calendar.services",
    "portal.webhooks.services",
    "portal.sso.services",
    "portal.webhooks.delivery",
    "portal.notifications.pruning",
    "incidents.services.room",
    "incidents.services.lifecycle",
    "incidents.services.controls",
    "incidents.services.indicators",
    "incidents.services.exchange",
    "incidents.services.indicator_lists",
    "incidents.services.actions",
    "incidents.services.activation",
    "incidents.services.debriefs",
    "incidents.services.alerts",
    "incidents.services.chains",
    "incidents.services.audit",
]

# Public functions that write nothing the audit log is about.
NOT_WRITES = {
    "commitments.services.attachments.files_removed_on_error": "deletes only the files its block wrote, when it fails",
    "commitments.services.catalogue.clean_translations": "pure",
    "commitments.services.transparency.clean_metrics": "pure",
    "portal.services.audit.actor_or_none": "pure",
    "portal.services.audit.record_audit": "writes the audit event itself",
    "portal.services.invitations.invitation_token": "pure",
    "portal.services.invitations.invitation_url": "pure",
    "portal.services.invitations.get_invitation_from_token": "read",
    "portal.services.tokens.hash_token_key": "pure",
    "portal.calendar.services.hash_key": "pure",
    "portal.calendar.services.user_for_key": "read",
    "portal.calendar.services.active_feed": "read",
    "portal.services.organizations.unique_slug": "read",
    "portal.webhooks.delivery.post": "network I/O, no database write",
    "portal.webhooks.delivery.is_transient_status": "pure",
    "portal.webhooks.delivery.lease_remaining": "read",
    "portal.webhooks.delivery.stale_delivery_ids": "read",
    "portal.notifications.pruning.expired_notifications": "read",
    "portal.notifications.pruning.dead_subscriptions": "read",
    "incidents.services.lifecycle.next_statuses": "pure",
    "incidents.services.lifecycle.require_incident_manager": "a permission check, no write",
    "incidents.services.lifecycle.clean_participants": "validation, no write",
    "incidents.services.audit.record_incident_audit": "writes the audit event itself",
    "incidents.services.alerts.ack_windows": "pure",
    "incidents.services.alerts.ack_window_minutes": "pure",
    "incidents.services.alerts.escalation_batch_size": "pure",
    "incidents.services.alerts.requeue_lost_tasks": "queues tasks, no database write",
    "incidents.services.exchange.bundle_objects": "validation, no write",
    "incidents.services.chains.schedule": "pure",
    "incidents.services.chains.is_alerted_anyway": "pure",
}

# Writes deliberately not audited, and why.
EXEMPT = {
    "commitments.services.attachments.store_attachments": "part of recording or editing progress, each audited there",
    "commitments.services.implementations.ensure_implementations": (
        "derived rows, one per supporter and applicable commitment: they follow from a standing or catalogue change"
    ),
    "commitments.services.progress.refresh_latest_accepted": "derived pointers and deltas, part of an audited review",
    "portal.services.tokens.authenticate_api_key": "only last_used_at, at most every 5 minutes: bookkeeping",
    "portal.services.tokens.authenticate_api_keys": "only last_used_at, at most every 5 minutes: bookkeeping",
    "portal.services.accounts.set_user_language": "a user's own display preference, outside the audited scope",
    "portal.webhooks.services.emit_event": "writes delivery records, themselves the log of what was sent",
    "portal.webhooks.delivery.claim": "a delivery's lease and attempt counter: bookkeeping",
    "incidents.services.room.post_message": "the room item is itself an append-only record with author and time",
    "incidents.services.room.record_presence": "presence: ephemeral, not a change to the incident",
    "incidents.services.room.touch_presence": "presence: ephemeral, not a change to the incident",
    "incidents.services.room.append_item": "a room item, append-only; each caller audits its change",
    "incidents.services.exchange.import_stix_bundle": "each indicator is added, and audited, by add_indicator",
    "incidents.services.alerts.open_alerts": "part of declaring, inviting or changing the tier, each audited there",
    "incidents.services.alerts.send_alerts": "writes delivery records, themselves the log of what was sent",
    "incidents.services.alerts.send_escalation": "writes delivery records, themselves the log of what was sent",
    "incidents.services.activation.send_activation_emails": (
        "writes delivery records, themselves the log of what was sent"
    ),
    "incidents.services.alerts.escalate_overdue": "the system's, no actor: its room item is the append-only record",
    "incidents.services.alerts.escalate_window": "the system's, no actor: its room item is the append-only record",
    "incidents.services.chains.advance_chains": "the system's, no actor: its room item is the append-only record",
    "incidents.services.chains.send_chain_step": "writes delivery records, themselves the log of what was sent",
    "incidents.services.chains.announce_chain_steps": "the system's, no actor: the webhook deliveries are the record",
    "portal.notifications.pruning.prune_notifications": "the system's retention, no actor: one's own notifications",
    "portal.notifications.pruning.prune_subscriptions": "the system's retention, no actor: dead browser subscriptions",
}


def _name_deputy(w):
    now = timezone.now()
    return portal.name_deputy(
        actor=w.responder,
        membership=Membership.objects.get(user=w.responder),
        deputy=Membership.objects.get(user=w.member),
        starts_at=now,
        ends_at=now + timedelta(days=7),
    )


@dataclass
class World:
    secretariat: object
    organization: object
    admin: object
    member: object
    responder: object
    outsider: object
    incident: object
    reporter: object


@pytest.fixture
def world(db, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True  # endpoints on 127.0.0.1, no DNS
    secretariat = SecretariatFactory()
    organization = OrganizationFactory(name="Audited Provider")
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    member = MembershipFactory(organization=organization, role=Role.MEMBER).user
    responder = MembershipFactory(organization=organization, role=Role.RESPONDER).user
    make_totp(responder)
    incident = incidents.declare_incident(
        actor=secretariat, title="Audited incident", tier=Tier.COORDINATED, tlp=Tlp.AMBER, organizations=[organization]
    )
    reporter = MembershipFactory(organization=organization, role=Role.REPORTER).user
    return World(secretariat, organization, admin, member, responder, UserFactory(), incident, reporter)


HOOK = "http://127.0.0.1:9/hook"


def _endpoint(w):
    endpoint, _secret = webhooks.create_endpoint(
        actor=w.admin, organization=w.organization, url=HOOK, events=["incident.declared"]
    )
    return endpoint


def _identity_provider(w, **options):
    return sso.configure_identity_provider(
        actor=w.admin,
        organization=w.organization,
        issuer="https://login.example.org",
        client_id="portal",
        client_secret="secret",
        email_domains="audited.example",
        **options,
    )


def _indicator(w):
    return incidents.add_indicator(
        actor=w.responder, incident=w.incident, kind=IndicatorKind.URL, value="https://x.example/v"
    )[0]


def _closed_with_debrief(w):
    incidents.change_status(actor=w.secretariat, incident=w.incident, status=Status.CLOSED)
    return incidents.save_debrief(actor=w.secretariat, incident=w.incident, title="Public", summary="What happened.")


def _debrief_finding(w):
    from incidents.selectors.debrief_scan import debrief_findings

    incidents.change_status(actor=w.secretariat, incident=w.incident, status=Status.CLOSED)
    summary = "Hash " + "a" * 64
    debrief = incidents.save_debrief(actor=w.secretariat, incident=w.incident, title="Public", summary=summary)
    return debrief, debrief_findings(debrief)[0].finding.id


def _activation_request(w):
    return incidents.request_activation(actor=w.responder, organization=w.organization, title="Please activate")


def _disabling_delivery(w, monkeypatch):
    """A delivery whose permanent failure (a 400) reaches the endpoint's failure limit."""
    endpoint = _endpoint(w)
    endpoint.consecutive_failures = webhook_delivery.conf.disable_after_failures() - 1
    endpoint.save(update_fields=["consecutive_failures"])
    monkeypatch.setattr(webhook_delivery, "post", lambda target, *, body, headers: 400)
    return webhooks.send_test_event(actor=w.admin, endpoint=endpoint)


def _commitment(w):
    """A catalogue commitment, curated by the secretariat; it creates the organisation's implementation."""
    return commitments.create_commitment(
        actor=w.secretariat,
        code="AUDIT1",
        audience="all",
        group="call",
        order=1,
        translations={"en": {"title": "Audited commitment", "description": "What supporters do."}},
    )


def _retired_commitment(w):
    return commitments.retire_commitment(actor=w.secretariat, commitment=_commitment(w))


def _progress(w):
    """A public update by the organisation's reporter, awaiting review."""
    return commitments.record_progress(
        actor=w.reporter,
        implementation=w.organization.implementations.get(commitment=_commitment(w)),
        status="limited",
        progress=30,
        as_of=timezone.localdate(),
        visibility="public",
    )


def _accepted_progress(w):
    return commitments.review_progress(actor=w.secretariat, update=_progress(w), decision="accept")


def _watcher(w):
    """A member of a civil-society supporter: the one who may annotate."""
    civil_society = OrganizationFactory(name="Watchers", kind=OrganizationKind.CIVIL_SOCIETY)
    return MembershipFactory(organization=civil_society, role=Role.MEMBER).user


def _annotation(w):
    return commitments.annotate_progress(actor=_watcher(w), update=_accepted_progress(w), body="Noted.")


def _transparency_report(w, *, complete=False):
    """A draft for last year's first quarter; `complete` gives every figure (0), as publishing needs."""
    metrics = {key: 0 for key in commitments.clean_metrics(w.organization.kind, {})} if complete else {}
    return commitments.create_transparency_report(
        actor=w.reporter,
        organization=w.organization,
        period_kind="quarter",
        year=timezone.localdate().year - 1,
        number=1,
        metrics=metrics,
    )


# name -> (expected action, scenario). A scenario sets up and returns the call that is measured.
AUDITED = {
    # Commitments: the catalogue, progress and its review, annotations, transparency reports
    "commitments.services.catalogue.create_commitment": ("commitment.created", lambda w, mp: lambda: _commitment(w)),
    "commitments.services.catalogue.revise_commitment": (
        "commitment.revised",
        lambda w, mp: (
            lambda c: (
                lambda: commitments.revise_commitment(
                    actor=w.secretariat, commitment=c, source_url="https://example.org/revised"
                )
            )
        )(_commitment(w)),
    ),
    "commitments.services.catalogue.edit_commitment": (
        "commitment.revised",
        lambda w, mp: (
            lambda c: (
                lambda: commitments.edit_commitment(
                    actor=w.secretariat, commitment=c, source_url="https://example.org/edited", order=3
                )
            )
        )(_commitment(w)),
    ),
    "commitments.services.catalogue.update_commitment_meta": (
        "commitment.updated",
        lambda w, mp: (
            lambda c: (
                lambda: commitments.update_commitment_meta(
                    actor=w.secretariat, commitment=c, audience="all", group="call", order=2
                )
            )
        )(_commitment(w)),
    ),
    "commitments.services.catalogue.retire_commitment": (
        "commitment.retired",
        lambda w, mp: lambda: _retired_commitment(w),
    ),
    "commitments.services.catalogue.reinstate_commitment": (
        "commitment.reinstated",
        lambda w, mp: (lambda c: lambda: commitments.reinstate_commitment(actor=w.secretariat, commitment=c))(
            _retired_commitment(w)
        ),
    ),
    "commitments.services.catalogue.load_catalogue": (
        "commitment.created",  # the system's own (no actor), from the data file
        lambda w, mp: lambda: commitments.load_catalogue(),
    ),
    "commitments.services.progress.record_progress": ("progress.recorded", lambda w, mp: lambda: _progress(w)),
    "commitments.services.progress.edit_progress": (
        "progress.edited",
        lambda w, mp: (lambda u: lambda: commitments.edit_progress(actor=w.reporter, update=u, progress=40))(
            _progress(w)
        ),
    ),
    "commitments.services.progress.withdraw_progress": (
        "progress.withdrawn",
        lambda w, mp: (lambda u: lambda: commitments.withdraw_progress(actor=w.reporter, update=u))(_progress(w)),
    ),
    "commitments.services.progress.review_progress": (
        "progress.accepted",
        lambda w, mp: (lambda u: lambda: commitments.review_progress(actor=w.secretariat, update=u, decision="accept"))(
            _progress(w)
        ),
    ),
    "commitments.services.annotations.annotate_progress": ("annotation.created", lambda w, mp: lambda: _annotation(w)),
    "commitments.services.annotations.moderate_annotation": (
        "annotation.hidden",
        lambda w, mp: (
            lambda a: (
                lambda: commitments.moderate_annotation(
                    actor=w.secretariat, annotation=a, hidden=True, reason="Off topic."
                )
            )
        )(_annotation(w)),
    ),
    "commitments.services.transparency.create_transparency_report": (
        "transparency.created",
        lambda w, mp: lambda: _transparency_report(w),
    ),
    "commitments.services.transparency.update_transparency_report": (
        "transparency.updated",
        lambda w, mp: (
            lambda r: lambda: commitments.update_transparency_report(actor=w.reporter, report=r, metrics={})
        )(_transparency_report(w)),
    ),
    "commitments.services.transparency.publish_transparency_report": (
        "transparency.published",
        lambda w, mp: (lambda r: lambda: commitments.publish_transparency_report(actor=w.reporter, report=r))(
            _transparency_report(w, complete=True)
        ),
    ),
    # Organisations and standings
    "portal.services.organizations.create_organization": (
        "organization.created",
        lambda w, mp: lambda: portal.create_organization(actor=w.secretariat, name="New Org", kind="provider"),
    ),
    "portal.services.organizations.update_organization": (
        "organization.updated",
        lambda w, mp: lambda: portal.update_organization(actor=w.admin, organization=w.organization, description="x"),
    ),
    "portal.services.organizations.change_standing": (
        "organization.standing_changed",
        lambda w, mp: (
            lambda: portal.change_standing(actor=w.secretariat, organization=w.organization, standing="suspended")
        ),
    ),
    # Applications (they create organisations and memberships)
    "portal.services.applications.apply_for_organization": (
        "application.submitted",
        lambda w, mp: lambda: portal.apply_for_organization(applicant=w.outsider, name="Applicant", kind="provider"),
    ),
    "portal.services.applications.request_to_join": (
        "application.submitted",
        lambda w, mp: lambda: portal.request_to_join(applicant=w.outsider, organization=w.organization),
    ),
    "portal.services.applications.approve_application": (
        "membership.created",
        lambda w, mp: (lambda app: lambda: portal.approve_application(actor=w.admin, application=app))(
            portal.request_to_join(applicant=w.outsider, organization=w.organization)
        ),
    ),
    "portal.services.applications.reject_application": (
        "application.rejected",
        lambda w, mp: (
            lambda app: lambda: portal.reject_application(actor=w.secretariat, application=app, reason="No.")
        )(portal.apply_for_organization(applicant=w.outsider, name="Rejected", kind="provider")),
    ),
    # Memberships and invitations
    "portal.services.invitations.invite_member": (
        "invitation.sent",
        lambda w, mp: lambda: portal.invite_member(actor=w.admin, organization=w.organization, email="n@example.org"),
    ),
    "portal.services.invitations.accept_invitation": (
        "membership.created",
        lambda w, mp: (
            lambda inv: lambda: portal.accept_invitation(user=w.outsider, token=portal.invitation_token(inv))
        )(portal.invite_member(actor=w.admin, organization=w.organization, email=w.outsider.email)),
    ),
    "portal.services.invitations.revoke_invitation": (
        "invitation.revoked",
        lambda w, mp: (lambda inv: lambda: portal.revoke_invitation(actor=w.admin, invitation=inv))(
            portal.invite_member(actor=w.admin, organization=w.organization, email="r@example.org")
        ),
    ),
    "portal.services.memberships.change_roles": (
        "membership.role_changed",
        lambda w, mp: (
            lambda: portal.change_roles(
                actor=w.admin, membership=Membership.objects.get(user=w.member), roles=[Role.REPORTER]
            )
        ),
    ),
    "portal.services.contacts.update_contact": (
        "contact.updated",
        lambda w, mp: (
            lambda: portal.update_contact(
                actor=w.responder,
                user=w.responder,
                numbers=[portal.NumberInput(label="mobile", number="+64 21 123 4567")],
                time_zone="Pacific/Auckland",
                languages=["en"],
            )
        ),
    ),
    "portal.services.contacts.set_escalation_chain": (
        "escalation_chain.changed",
        lambda w, mp: (
            lambda: portal.set_escalation_chain(
                actor=w.admin,
                organization=w.organization,
                steps=[portal.StepInput(membership_id=Membership.objects.get(user=w.responder).pk, wait_minutes=10)],
            )
        ),
    ),
    "portal.services.deputies.name_deputy": (
        "deputy.named",
        lambda w, mp: lambda: _name_deputy(w),
    ),
    "portal.services.deputies.end_deputy": (
        "deputy.ended",
        lambda w, mp: (lambda deputy: lambda: portal.end_deputy(actor=w.responder, deputy=deputy))(_name_deputy(w)),
    ),
    "portal.sso.services.configure_identity_provider": (
        "sso.configured",
        lambda w, mp: lambda: _identity_provider(w),
    ),
    "portal.sso.services.configure_saml_identity_provider": (
        "sso.configured",
        lambda w, mp: (
            lambda: sso.configure_saml_identity_provider(
                actor=w.admin,
                organization=w.organization,
                entity_id="https://idp.example.org/saml",
                sso_url="https://idp.example.org/saml/sso",
                certificate=key_and_certificate()[1],
                email_domains="audited.example",
            )
        ),
    ),
    "portal.sso.services.remove_identity_provider": (
        "sso.removed",
        lambda w, mp: (
            _identity_provider(w) and (lambda: sso.remove_identity_provider(actor=w.admin, organization=w.organization))
        ),
    ),
    "portal.sso.services.record_sso_sign_in": (
        "sso.signed_in",
        lambda w, mp: (
            lambda: sso.record_sso_sign_in(user=w.outsider, config=_identity_provider(w), claims={"amr": ["pwd"]})
        ),
    ),
    "portal.services.memberships.remove_member": (
        "membership.removed",
        lambda w, mp: lambda: portal.remove_member(actor=w.admin, membership=Membership.objects.get(user=w.member)),
    ),
    # API tokens
    "portal.services.accounts.update_profile": (
        "account.profile_updated",
        lambda w, mp: lambda: portal.update_profile(user=w.member, full_name="Rua Tane", pronouns="they/them"),
    ),
    "portal.services.accounts.delete_account": (
        "account.deleted",
        lambda w, mp: lambda: portal.delete_account(user=w.outsider, confirm_email=w.outsider.email),
    ),
    "portal.services.tokens.create_api_token": (
        "api_token.created",
        lambda w, mp: lambda: portal.create_api_token(user=w.member, name="script"),
    ),
    "portal.calendar.services.create_calendar_feed": (
        "calendar_feed.created",
        lambda w, mp: lambda: calendar.create_calendar_feed(user=w.member),
    ),
    "portal.calendar.services.revoke_calendar_feed": (
        "calendar_feed.revoked",
        lambda w, mp: (lambda _made: lambda: calendar.revoke_calendar_feed(actor=w.member))(
            calendar.create_calendar_feed(user=w.member)
        ),
    ),
    "portal.services.tokens.revoke_api_token": (
        "api_token.revoked",
        lambda w, mp: (lambda token: lambda: portal.revoke_api_token(actor=w.member, token=token))(
            portal.create_api_token(user=w.member, name="script")[0]
        ),
    ),
    # Webhooks
    "portal.webhooks.services.create_endpoint": (
        "webhook.created",
        lambda w, mp: (
            lambda: webhooks.create_endpoint(
                actor=w.admin, organization=w.organization, url=HOOK, events=["incident.declared"]
            )
        ),
    ),
    "portal.webhooks.services.update_endpoint": (
        "webhook.updated",
        lambda w, mp: (lambda e: lambda: webhooks.update_endpoint(actor=w.admin, endpoint=e, description="d"))(
            _endpoint(w)
        ),
    ),
    "portal.webhooks.services.set_endpoint_active": (
        "webhook.disabled",
        lambda w, mp: (lambda e: lambda: webhooks.set_endpoint_active(actor=w.admin, endpoint=e, active=False))(
            _endpoint(w)
        ),
    ),
    "portal.webhooks.services.delete_endpoint": (
        "webhook.deleted",
        lambda w, mp: (lambda e: lambda: webhooks.delete_endpoint(actor=w.admin, endpoint=e))(_endpoint(w)),
    ),
    "portal.webhooks.services.send_test_event": (
        "webhook.test_sent",
        lambda w, mp: (lambda e: lambda: webhooks.send_test_event(actor=w.admin, endpoint=e))(_endpoint(w)),
    ),
    "portal.webhooks.delivery.send_delivery": (
        "webhook.disabled",  # the failure that reaches the limit disables the endpoint
        lambda w, mp: (lambda d: lambda: webhook_delivery.send_delivery(d.pk))(_disabling_delivery(w, mp)),
    ),
    # Incidents
    "incidents.services.lifecycle.declare_incident": (
        "incident.declared",
        lambda w, mp: lambda: incidents.declare_incident(actor=w.secretariat, title="Another"),
    ),
    "incidents.services.lifecycle.change_status": (
        "incident.status_changed",
        lambda w, mp: lambda: incidents.change_status(actor=w.secretariat, incident=w.incident, status=Status.ACTIVE),
    ),
    "incidents.services.lifecycle.invite_organization": (
        "incident.organization_invited",
        lambda w, mp: (
            lambda: incidents.invite_organization(
                actor=w.secretariat, incident=w.incident, organization=OrganizationFactory()
            )
        ),
    ),
    "incidents.services.lifecycle.uninvite_organization": (
        "incident.organization_uninvited",
        lambda w, mp: (
            lambda: incidents.uninvite_organization(
                actor=w.secretariat, incident=w.incident, organization=w.organization
            )
        ),
    ),
    "incidents.services.indicators.add_indicator": (
        "incident.indicator_added",
        lambda w, mp: lambda: _indicator(w),
    ),
    "incidents.services.indicator_lists.import_indicator_list": (
        "incident.indicator_list_imported",
        lambda w, mp: (
            lambda: incidents.import_indicator_list(
                actor=w.responder, incident=w.incident, text="https://x.example/a\nnot a hash\n"
            )
        ),
    ),
    "incidents.services.indicators.set_platform_status": (
        "incident.platform_status_set",
        lambda w, mp: (
            lambda i: (
                lambda: incidents.set_platform_status(
                    actor=w.responder, indicator=i, organization=w.organization, status="removed"
                )
            )
        )(_indicator(w)),
    ),
    "incidents.services.actions.create_action": (
        "incident.action_created",
        lambda w, mp: (
            lambda: incidents.create_action(
                actor=w.secretariat, incident=w.incident, title="Take it down", organization=w.organization
            )
        ),
    ),
    "incidents.services.actions.complete_action": (
        "incident.action_completed",
        lambda w, mp: (lambda a: lambda: incidents.complete_action(actor=w.responder, action=a))(
            incidents.create_action(actor=w.secretariat, incident=w.incident, title="Do", organization=w.organization)
        ),
    ),
    "incidents.services.controls.change_tier": (
        "incident.tier_changed",
        lambda w, mp: lambda: incidents.change_tier(actor=w.secretariat, incident=w.incident, tier=Tier.FULL_PROTOCOL),
    ),
    "incidents.services.controls.change_tlp": (
        "incident.tlp_changed",
        lambda w, mp: lambda: incidents.change_tlp(actor=w.secretariat, incident=w.incident, tlp=Tlp.RED),
    ),
    "incidents.services.controls.set_commander": (
        "incident.commander_changed",
        lambda w, mp: lambda: incidents.set_commander(actor=w.secretariat, incident=w.incident, commander=w.responder),
    ),
    "incidents.services.controls.add_recipient": (
        "incident.recipient_added",
        lambda w, mp: lambda: incidents.add_recipient(actor=w.secretariat, incident=w.incident, user=w.member),
    ),
    "incidents.services.controls.remove_recipient": (
        "incident.recipient_removed",
        lambda w, mp: (
            lambda _: lambda: incidents.remove_recipient(actor=w.secretariat, incident=w.incident, user=w.member)
        )(incidents.add_recipient(actor=w.secretariat, incident=w.incident, user=w.member)),
    ),
    "incidents.services.activation.request_activation": (
        "incident.activation_requested",
        lambda w, mp: lambda: _activation_request(w),
    ),
    "incidents.services.activation.confirm_activation": (
        "incident.activation_confirmed",
        lambda w, mp: (lambda r: lambda: incidents.confirm_activation(actor=w.secretariat, request=r))(
            _activation_request(w)
        ),
    ),
    "incidents.services.activation.decline_activation": (
        "incident.activation_declined",
        lambda w, mp: (lambda r: lambda: incidents.decline_activation(actor=w.secretariat, request=r, reason="No."))(
            _activation_request(w)
        ),
    ),
    "incidents.services.debriefs.save_debrief": (
        "incident.debrief_saved",
        lambda w, mp: lambda: incidents.save_debrief(actor=w.secretariat, incident=w.incident, title="T", summary="S"),
    ),
    "incidents.services.debriefs.publish_debrief": (
        "incident.debrief_published",
        lambda w, mp: (lambda d: lambda: incidents.publish_debrief(actor=w.secretariat, debrief=d))(
            _closed_with_debrief(w)
        ),
    ),
    "incidents.services.debriefs.unpublish_debrief": (
        "incident.debrief_unpublished",
        lambda w, mp: (lambda d: lambda: incidents.unpublish_debrief(actor=w.secretariat, debrief=d))(
            (lambda d: incidents.publish_debrief(actor=w.secretariat, debrief=d) and d)(_closed_with_debrief(w))
        ),
    ),
    "incidents.services.debriefs.confirm_debrief_finding": (
        "incident.debrief_finding_confirmed",
        lambda w, mp: (
            lambda found: (
                lambda: incidents.confirm_debrief_finding(actor=w.secretariat, debrief=found[0], finding_id=found[1])
            )
        )(_debrief_finding(w)),
    ),
    # Incident alerts (the email link and the room's button)
    "incidents.services.alerts.acknowledge_alert": (
        "incident.alert_acknowledged",
        lambda w, mp: (
            lambda: alerts.acknowledge_alert(incident=w.incident, organization=w.organization, user=w.responder)
        ),
    ),
    "incidents.services.alerts.acknowledge_in_room": (
        "incident.alert_acknowledged",
        lambda w, mp: (
            lambda: alerts.acknowledge_in_room(incident=w.incident, organization=w.organization, user=w.responder)
        ),
    ),
    "incidents.services.alerts.acknowledge_as_responder": (
        "incident.alert_acknowledged",
        lambda w, mp: lambda: alerts.acknowledge_as_responder(incident=w.incident, user=w.responder),
    ),
}


def _public_functions() -> set[str]:
    names = set()
    for module_name in MODULES:
        module = import_module(module_name)
        for name, value in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and value.__module__ == module_name:
                names.add(f"{module_name}.{name}")
    return names


def test_every_public_service_function_is_classified_exactly_once():
    tables = {"AUDITED": set(AUDITED), "NOT_WRITES": set(NOT_WRITES), "EXEMPT": set(EXEMPT)}
    found = _public_functions()
    unclassified = found - set().union(*tables.values())
    assert not unclassified, (
        f"New service functions: add each to AUDITED (with a scenario) or justify it: {unclassified}"
    )
    stale = set().union(*tables.values()) - found
    assert not stale, f"These no longer exist; remove them from the tables: {stale}"
    for a, b in [("AUDITED", "NOT_WRITES"), ("AUDITED", "EXEMPT"), ("NOT_WRITES", "EXEMPT")]:
        assert not tables[a] & tables[b], f"In both {a} and {b}: {tables[a] & tables[b]}"


@pytest.mark.parametrize("name", sorted(AUDITED))
def test_write_service_records_an_audit_event(world, monkeypatch, name):
    action, scenario = AUDITED[name]
    call = scenario(world, monkeypatch)
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    call()
    new = AuditEvent.objects.exclude(pk__in=before)
    assert action in set(new.values_list("action", flat=True)), f"{name} recorded {list(new.values_list('action'))}"
