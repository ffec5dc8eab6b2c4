"""An organisation's webhook endpoints: register, choose events, read the delivery log,
send a test event, disable, enable, delete. For its admins and the secretariat."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import permissions
from ..decorators import secretariat_two_factor
from ..forms import add_service_errors
from ..webhooks import selectors, services, signing
from ..webhooks.forms import EndpointEventsForm, EndpointForm
from .common import paginate


def _manageable(request, slug):
    organization = permissions.access_organization_by_slug(request.user, slug)
    if not permissions.can_manage_webhooks(request.user, organization):
        raise PermissionDenied(_("Only this organisation's admins and the secretariat can manage its webhooks."))
    return organization


def _endpoint(request, slug, endpoint_id):
    endpoint = permissions.access_webhook_endpoint(request.user, endpoint_id, for_write=True)
    if endpoint.organization.slug != slug:
        raise Http404
    return endpoint


@login_required
@secretariat_two_factor
def webhooks(request, slug):
    organization = _manageable(request, slug)
    form = EndpointForm(request.POST if request.method == "POST" else None)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = services.create_endpoint(
                actor=request.user, organization=organization, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = EndpointForm()  # rendered, not redirected: the secret is shown this once
    return render(
        request,
        "portal/webhooks.html",
        {
            "organization": organization,
            "endpoints": selectors.list_endpoints(organization),
            "form": form,
            "created": created,
            "secret": secret,
            "standard_secret": signing.standard_secret(secret) if secret else None,
        },
    )


@login_required
@secretariat_two_factor
def webhook_detail(request, slug, endpoint_id):
    endpoint = _endpoint(request, slug, endpoint_id)
    initial = {"events": endpoint.events, "description": endpoint.description}
    form = EndpointEventsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_endpoint(actor=request.user, endpoint=endpoint, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The endpoint's events are saved."))
            return redirect("portal:webhook_detail", slug=slug, endpoint_id=endpoint.pk)
    return render(
        request,
        "portal/webhooks_detail.html",
        {
            "organization": endpoint.organization,
            "endpoint": endpoint,
            "form": form,
            "deliveries_page": paginate(request, selectors.list_deliveries(endpoint)),
        },
    )


def _test(request, endpoint):
    services.send_test_event(actor=request.user, endpoint=endpoint)
    messages.success(request, _("A test event is on its way. Reload this page to see how it went."))


def _enable(request, endpoint):
    services.set_endpoint_active(actor=request.user, endpoint=endpoint, active=True)
    messages.success(request, _("The endpoint is enabled."))


def _disable(request, endpoint):
    services.set_endpoint_active(actor=request.user, endpoint=endpoint, active=False)
    messages.success(request, _("The endpoint is disabled."))


_ACTIONS = {"test": _test, "enable": _enable, "disable": _disable}


@login_required
@secretariat_two_factor
@require_POST
def webhook_action(request, slug, endpoint_id, action):
    endpoint = _endpoint(request, slug, endpoint_id)
    if action == "delete":
        services.delete_endpoint(actor=request.user, endpoint=endpoint)
        messages.success(request, _("The endpoint %(url)s is deleted.") % {"url": endpoint.url})
        return redirect("portal:webhooks", slug=slug)
    handler = _ACTIONS.get(action)
    if handler is None:
        raise Http404
    try:
        handler(request, endpoint)
    except ValidationError as error:
        messages.error(request, " ".join(str(m) for m in error.messages))
    return redirect("portal:webhook_detail", slug=slug, endpoint_id=endpoint.pk)
