"""A room with N authorised users, made in bulk: responders of one invited supporter,
each with two-factor set up and an API token. Call after django.setup()."""

import secrets
import uuid

from allauth.mfa.models import Authenticator
from django.db import transaction

from incidents import services as incident_services
from incidents.models import Incident, Tier, Tlp
from portal.models import ApiToken, Membership, Organization, OrganizationKind, Role, Standing, User
from portal.services import hash_token_key


def create_room(n_users: int) -> tuple[int, list[str], str]:
    """Returns (incident id, one API key per user, the run's tag for clean_up)."""
    tag = uuid.uuid4().hex[:8]
    with transaction.atomic():
        organization = Organization.objects.create(
            name=f"Bench provider {tag}",
            slug=f"bench-{tag}",
            kind=OrganizationKind.PROVIDER,
            country="NZ",
            standing=Standing.SUPPORTER,
        )
        secretariat = User.objects.create(email=f"bench-sec-{tag}@example.org", is_secretariat=True)
        users = User.objects.bulk_create(
            User(email=f"bench-{tag}-{n}@example.org", full_name=f"Bench {n}") for n in range(n_users)
        )
        if users[0].pk is None:  # backends without RETURNING ids
            users = list(User.objects.filter(email__startswith=f"bench-{tag}-").order_by("pk"))
        Membership.objects.bulk_create(
            Membership(user=u, organization=organization, role=Role.RESPONDER) for u in users
        )
        Authenticator.objects.bulk_create(
            Authenticator(user=u, type=Authenticator.Type.TOTP, data={"secret": "bench"}) for u in [*users, secretariat]
        )
        keys = ["cp_" + secrets.token_urlsafe(32) for _ in users]
        ApiToken.objects.bulk_create(
            ApiToken(user=u, name="bench", prefix=k[:10], key_hash=hash_token_key(k))
            for u, k in zip(users, keys, strict=True)
        )
    incident = incident_services.declare_incident(
        actor=secretariat,
        title=f"Bench room {tag}",
        tier=Tier.FULL_PROTOCOL,
        tlp=Tlp.AMBER,
        is_exercise=True,
        organizations=[organization],
    )
    return incident.pk, keys, tag


def clean_up(tag: str) -> None:
    Incident.objects.filter(title=f"Bench room {tag}").delete()
    User.objects.filter(email__startswith=f"bench-{tag}-").delete()
    User.objects.filter(email=f"bench-sec-{tag}@example.org").delete()
    Organization.objects.filter(slug=f"bench-{tag}").delete()
