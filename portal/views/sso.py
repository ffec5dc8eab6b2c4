"""Single sign-on: an organisation's identity provider (for its admins and the secretariat), and
the sign-in step that sends a person to their organisation's provider by their email's domain."""

import logging
from urllib.parse import urlsplit

import requests
from allauth.socialaccount.providers.openid_connect import views as openid_connect_views
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import permissions
from ..decorators import secretariat_two_factor
from ..forms import add_service_errors
from ..security import policy_with_form_action
from ..sso import selectors, services
from ..sso.claims import MULTI_FACTOR_AMR
from ..sso.forms import IdentityProviderForm, OrganizationSignInForm
from ..sso.models import Protocol

logger = logging.getLogger(__name__)


def _manageable(request, slug):
    return permissions.check_manages(request.user, permissions.access_organization_by_slug(request.user, slug))


def _initial(config):
    if config is None:
        return None
    fields = ("protocol", "client_id", "allow_signup", "require_sso", "counts_as_second_factor")
    saml = config.protocol == Protocol.SAML
    return {
        **{f: getattr(config, f) for f in fields},
        "issuer": "" if saml else config.issuer,
        "entity_id": config.issuer if saml else "",
        "sso_url": config.saml_sso_url,
        "certificate": config.saml_certificate,
        "default_roles": config.roles,
        "email_domains": " ".join(config.email_domains),
    }


@login_required
@secretariat_two_factor
def identity_provider(request, slug):
    organization = _manageable(request, slug)
    config = selectors.get_identity_provider(organization)
    form = IdentityProviderForm(request.POST if request.method == "POST" else None, initial=_initial(config))
    if request.method == "POST" and "remove" in request.POST:
        services.remove_identity_provider(actor=request.user, organization=organization)
        messages.success(request, _("Single sign-on is removed."))
        return redirect("portal:identity_provider", slug=slug)
    if request.method == "POST" and form.is_valid():
        protocol, arguments = form.service_arguments()
        configure = (
            services.configure_saml_identity_provider
            if protocol == Protocol.SAML
            else services.configure_identity_provider
        )
        try:
            configure(actor=request.user, organization=organization, **arguments)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Single sign-on is saved."))
            return redirect("portal:identity_provider", slug=slug)
    callback = request.build_absolute_uri(reverse("openid_connect_callback", kwargs={"provider_id": organization.slug}))
    saml = {
        name: request.build_absolute_uri(reverse(f"saml_{name}", kwargs={"organization_slug": organization.slug}))
        for name in ("metadata", "acs")
    }
    return render(
        request,
        "portal/identity_provider.html",
        {
            "organization": organization,
            "config": config,
            "form": form,
            "redirect_uri": callback,
            "saml_metadata_url": saml["metadata"],
            "saml_acs_url": saml["acs"],
            "multi_factor_amr": sorted(MULTI_FACTOR_AMR),
            "sign_ins": selectors.recent_sign_ins(organization),
        },
    )


def _continue_to_provider(request, config):
    """A form posting to allauth's login view, which redirects to the provider: a page of our own
    rather than a redirect, so that its policy may let the form lead to the provider's origin."""
    if config.protocol == Protocol.SAML:
        login_url = reverse("saml_login", kwargs={"organization_slug": config.provider_id})
        provider = urlsplit(config.saml_sso_url)
    else:
        login_url = reverse("openid_connect_login", kwargs={"provider_id": config.provider_id})
        provider = urlsplit(config.issuer)
    response = render(
        request,
        "portal/organization_sign_in_continue.html",
        {"organization": config.organization, "login_url": login_url},
    )
    response["Content-Security-Policy"] = policy_with_form_action(f"{provider.scheme}://{provider.netloc}")
    return response


def organization_sign_in(request):
    form = OrganizationSignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        config = selectors.provider_for_email(form.cleaned_data["email"])
        if config is not None:
            return _continue_to_provider(request, config)
        messages.info(request, _("Your organisation has no single sign-on here: sign in with your password."))
        return redirect("account_login")
    return render(request, "portal/organization_sign_in.html", {"form": form})


def provider_login(request, provider_id):
    """allauth's login view (same URL and name, routed here first), which fetches the provider's
    discovery document before it redirects: a provider that is down, answers nonsense or is
    refused (portal/sso/addresses.py) sends the person back to the sign-in page with a message,
    not to a server error."""
    try:
        return openid_connect_views.login(request, provider_id)
    except (requests.RequestException, KeyError) as error:
        logger.warning("single sign-on: the provider of %s cannot be used: %r", provider_id, error)
        messages.error(
            request,
            _(
                "Your organisation's sign-in cannot be reached just now: try again later, or ask your "
                "organisation's administrator."
            ),
        )
        return redirect("account_login")
