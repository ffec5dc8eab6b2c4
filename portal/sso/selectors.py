from .models import OrganizationIdentityProvider


def email_domain(email) -> str:
    return str(email or "").rpartition("@")[2].strip().lower()


def provider_for_email(email) -> OrganizationIdentityProvider | None:
    """The organisation's provider that signs in this address's domain, if any (one query)."""
    domain = email_domain(email)
    if not domain:
        return None
    # In Python: JSON containment is PostgreSQL's, and the embedded SQLite has none. A few rows.
    for config in OrganizationIdentityProvider.objects.select_related("organization"):
        if domain in config.email_domains:
            return config
    return None


def provider_requiring_sso(email) -> OrganizationIdentityProvider | None:
    """The provider of an organisation that requires single sign-on for this address's domain:
    no password sign-in and no password reset for it (portal.adapters, portal.sso.forms)."""
    config = provider_for_email(email)
    return config if config is not None and config.require_sso else None


def provider_by_id(provider_id) -> OrganizationIdentityProvider | None:
    """The configuration behind allauth's SocialApp of this provider_id (the organisation's slug)."""
    return (
        OrganizationIdentityProvider.objects.select_related("organization")
        .filter(organization__slug=provider_id)
        .first()
    )


def get_identity_provider(organization) -> OrganizationIdentityProvider | None:
    return OrganizationIdentityProvider.objects.filter(organization=organization).first()


def recent_sign_ins(organization, *, limit: int = 10):
    """The organisation's latest sign-ins through its provider, with the claims they carried (one query)."""
    from ..models import AuditEvent

    return AuditEvent.objects.filter(organization=organization, action="sso.signed_in").select_related("actor")[:limit]
