"""Every write about single sign-on. Callers authorise first (portal.permissions.can_manage_members);
these validate, own the transaction and record an audit event, which never holds the secret.

allauth reads an organisation's provider from one SocialApp row (provider "openid_connect",
provider_id the organisation's slug): configure_identity_provider keeps it in step, so allauth's
own views, state, PKCE and ID token checks serve every organisation without a setting each."""

import base64
import re
from urllib.parse import urlsplit

from allauth.socialaccount.models import SocialApp
from cryptography import x509
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import signals
from ..models import Membership, Organization, Role
from ..roles import clean_roles
from ..services import record_audit
from . import addresses
from .claims import identity_provider_factor
from .models import OrganizationIdentityProvider, Protocol

PROVIDER = "openid_connect"
SAML_PROVIDER = "saml"
PROVIDERS = (PROVIDER, SAML_PROVIDER)
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _clean_issuer(issuer) -> str:
    issuer = str(issuer or "").strip().rstrip("/")
    if len(issuer) > 300 or urlsplit(issuer).query:
        raise ValidationError({"issuer": _("Enter the provider's https address (its issuer).")})
    # The server fetches the issuer's discovery document itself: never from this machine or a
    # private network (portal/sso/addresses.py). Checked again on every fetch.
    try:
        addresses.check(issuer, unresolved_ok=True)
    except addresses.RefusedProviderAddressError as refused:
        raise ValidationError({"issuer": str(refused)}) from None
    return issuer


def _clean_domains(domains, *, organization: Organization) -> list[str]:
    if isinstance(domains, str):
        domains = re.split(r"[\s,]+", domains)
    cleaned = sorted({str(d).strip().lower().lstrip("@") for d in domains or [] if str(d).strip()})
    if not cleaned:
        raise ValidationError({"email_domains": _("Enter at least one email domain.")})
    bad = [d for d in cleaned if not _DOMAIN.match(d)]
    if bad:
        raise ValidationError({"email_domains": _("Not a domain: %(domains)s") % {"domains": ", ".join(bad)}})
    taken = [
        d
        for other in OrganizationIdentityProvider.objects.exclude(organization=organization)
        for d in other.email_domains
        if d in cleaned
    ]
    if taken:
        raise ValidationError(
            {"email_domains": _("Another organisation signs in these domains: %(d)s") % {"d": ", ".join(taken)}}
        )
    return cleaned


def _locked_config(organization: Organization) -> OrganizationIdentityProvider:
    """The organisation's identity provider (unsaved if it has none), with the organisation locked
    so that two admins saving at once apply one after the other."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    config = OrganizationIdentityProvider.objects.filter(organization=organization).first()
    return config or OrganizationIdentityProvider(organization=organization)


def configure_identity_provider(
    *,
    actor,
    organization: Organization,
    issuer: str,
    client_id: str,
    client_secret: str = "",
    email_domains,
    allow_signup: bool = False,
    default_roles: list[str] = (Role.MEMBER,),
    require_sso: bool = False,
    counts_as_second_factor: bool = False,
) -> OrganizationIdentityProvider:
    """Creates or replaces the organisation's provider. An empty client_secret keeps the stored one."""
    issuer = _clean_issuer(issuer)
    client_id = str(client_id or "").strip()
    if not client_id or len(client_id) > 200:
        raise ValidationError({"client_id": _("Enter the client ID the provider gave you.")})
    default_roles = clean_roles(default_roles, field="default_roles")
    client_secret = str(client_secret or "").strip()
    if len(client_secret) > 300:
        raise ValidationError({"client_secret": _("Enter the client secret the provider gave you.")})
    with transaction.atomic():
        config = _locked_config(organization)
        domains = _clean_domains(email_domains, organization=organization)
        if not client_secret and not config.client_secret:  # a first configuration, or one that was SAML
            raise ValidationError({"client_secret": _("Enter the client secret the provider gave you.")})
        if client_secret:
            config.client_secret = client_secret
        config.protocol, config.saml_sso_url, config.saml_certificate = Protocol.OIDC, "", ""
        config.issuer, config.client_id, config.email_domains = issuer, client_id, domains
        config.allow_signup, config.roles = bool(allow_signup), default_roles
        config.require_sso, config.counts_as_second_factor = bool(require_sso), bool(counts_as_second_factor)
        config.save()
        SocialApp.objects.filter(provider=SAML_PROVIDER, provider_id=organization.slug).delete()
        SocialApp.objects.update_or_create(
            provider=PROVIDER,
            provider_id=organization.slug,
            defaults={
                "name": organization.name,
                "client_id": client_id,
                "secret": config.client_secret,
                # PKCE always; the token endpoint authenticates the client with its secret too.
                "settings": {"server_url": issuer, "oauth_pkce_enabled": True},
            },
        )
        record_audit(
            actor=actor,
            action="sso.configured",
            organization=organization,
            target=issuer,
            client_id=client_id,
            email_domains=domains,
            secret_changed=bool(client_secret),
            allow_signup=config.allow_signup,
            default_roles=default_roles,
            require_sso=config.require_sso,
            counts_as_second_factor=config.counts_as_second_factor,
        )
    return config


def _clean_saml(entity_id, sso_url, certificate) -> tuple[str, str, str]:
    entity_id = str(entity_id or "").strip()
    if not entity_id or len(entity_id) > 300:
        raise ValidationError({"entity_id": _("Enter the identity provider's entity ID.")})
    sso_url = str(sso_url or "").strip()
    parts = urlsplit(sso_url)
    # The browser goes there, not the server: https is all that is asked.
    if len(sso_url) > 300 or parts.scheme != "https" or not parts.hostname:
        raise ValidationError({"sso_url": _("Enter the identity provider's https single sign-on URL.")})
    return entity_id, sso_url, _clean_certificate(certificate)


def _clean_certificate(certificate) -> str:
    """The certificate's base64 body (what python3-saml takes), or ValidationError."""
    body = re.sub(r"-----(BEGIN|END) CERTIFICATE-----|\s", "", str(certificate or "")[:20_000])
    try:
        x509.load_der_x509_certificate(base64.b64decode(body, validate=True))
    except ValueError:
        raise ValidationError({"certificate": _("Paste the identity provider's signing certificate (PEM).")}) from None
    return body


def configure_saml_identity_provider(
    *,
    actor,
    organization: Organization,
    entity_id: str,
    sso_url: str,
    certificate: str,
    email_domains,
    allow_signup: bool = False,
    default_roles: list[str] = (Role.MEMBER,),
    require_sso: bool = False,
    counts_as_second_factor: bool = False,
) -> OrganizationIdentityProvider:
    """Creates or replaces the organisation's provider with a SAML 2.0 identity provider. allauth's
    SAML views then serve it at /accounts/saml/<slug>/ (login, acs, metadata). Every assertion must
    be signed with `certificate`; a response to a request the portal did not make is refused."""
    entity_id, sso_url, certificate = _clean_saml(entity_id, sso_url, certificate)
    default_roles = clean_roles(default_roles, field="default_roles")
    with transaction.atomic():
        config = _locked_config(organization)
        domains = _clean_domains(email_domains, organization=organization)
        config.protocol, config.issuer, config.client_id, config.client_secret = Protocol.SAML, entity_id, "", ""
        config.saml_sso_url, config.saml_certificate, config.email_domains = sso_url, certificate, domains
        config.allow_signup, config.roles = bool(allow_signup), default_roles
        config.require_sso, config.counts_as_second_factor = bool(require_sso), bool(counts_as_second_factor)
        config.save()
        SocialApp.objects.filter(provider=PROVIDER, provider_id=organization.slug).delete()
        SocialApp.objects.update_or_create(
            provider=SAML_PROVIDER,
            provider_id=organization.slug,
            defaults={"name": organization.name, "client_id": organization.slug, "settings": _saml_settings(config)},
        )
        record_audit(
            actor=actor,
            action="sso.configured",
            organization=organization,
            target=entity_id,
            protocol=Protocol.SAML,
            sso_url=sso_url,
            email_domains=domains,
            allow_signup=config.allow_signup,
            default_roles=default_roles,
            require_sso=config.require_sso,
            counts_as_second_factor=config.counts_as_second_factor,
        )
    return config


def _saml_settings(config: OrganizationIdentityProvider) -> dict:
    """allauth's SAML app settings. The address an assertion names is trusted as verified only
    within the organisation's own domains (the adapter refuses any other before this is read)."""
    return {
        "idp": {"entity_id": config.issuer, "sso_url": config.saml_sso_url, "x509cert": config.saml_certificate},
        "attribute_mapping": SAML_ATTRIBUTES,
        "verified_email": list(config.email_domains),
        "advanced": {
            "strict": True,
            "want_assertion_signed": True,
            "reject_idp_initiated_sso": True,
            "reject_deprecated_algorithm": True,
        },
    }


# The attributes read from an assertion: the usual names of Entra ID, ADFS, Shibboleth and
# Keycloak (a persistent NameID stands in for the uid when none is sent).
SAML_ATTRIBUTES = {
    "uid": ["urn:oasis:names:tc:SAML:attribute:subject-id", "urn:oid:1.3.6.1.4.1.5923.1.1.1.13"],
    "email": [
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "email",
        "mail",
    ],
    "first_name": ["urn:oid:2.5.4.42", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "givenName"],
    "last_name": ["urn:oid:2.5.4.4", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "sn"],
}


def remove_identity_provider(*, actor, organization: Organization) -> None:
    with transaction.atomic():
        deleted, _rows = OrganizationIdentityProvider.objects.filter(organization=organization).delete()
        SocialApp.objects.filter(provider__in=PROVIDERS, provider_id=organization.slug).delete()
        if deleted:
            record_audit(actor=actor, action="sso.removed", organization=organization)


def record_sso_sign_in(*, user, config: OrganizationIdentityProvider, claims: dict) -> str:
    """A sign-in through the organisation's provider, in its audit log with the `amr`/`acr` claims
    and whether it counts as the second factor (the returned reason, "" if not). The first one
    makes the person a member with the default roles if the organisation allows it; an existing
    membership is kept as it is."""
    basis = identity_provider_factor(config, claims)
    with transaction.atomic():
        if config.allow_signup:
            _membership, created = Membership.objects.get_or_create(
                user=user, organization=config.organization, defaults={"roles": config.roles}
            )
            if created:
                record_audit(
                    actor=user,
                    action="membership.joined_through_sso",
                    organization=config.organization,
                    target=user.email,
                    roles=config.roles,
                )
                transaction.on_commit(lambda: signals.access_changed.send(sender=Membership, user_ids=[user.pk]))
        record_audit(
            actor=user,
            action="sso.signed_in",
            organization=config.organization,
            target=user.email,
            amr=claims.get("amr"),
            acr=claims.get("acr"),
            second_factor=basis,
        )
    return basis
