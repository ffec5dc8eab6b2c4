"""Declaring incidents: directly by the secretariat, or on a responder's activation request
that the secretariat confirms or declines."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.decorators import two_factor_setup_on_refusal
from portal.models import PARTICIPATING_STANDINGS, Organization
from portal.permissions import is_secretariat
from portal.views.outcomes import run_service

from .. import selectors, services
from ..caching import no_store
from ..forms import (
    CRITERIA_FIELDS,
    ActivationRequestForm,
    ConfirmActivationForm,
    DeclareIncidentForm,
    DeclineActivationForm,
)
from ..permissions import access_activation_request, check_manage, requesting_organizations

LIST_LIMIT = 200


@no_store
@login_required
def request_list(request):
    return render(
        request,
        "incidents/requests/list.html",
        {
            "requests": selectors.list_activation_requests_for(request.user)[:LIST_LIMIT],
            "may_request": requesting_organizations(request.user).exists(),
        },
    )


@no_store
@login_required
def request_new(request):
    organizations = requesting_organizations(request.user)
    if not organizations.exists():
        return render(request, "incidents/requests/new.html", {"form": None}, status=403)
    form = ActivationRequestForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        try:
            activation = services.request_activation(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your request is with the secretariat."))
            return redirect("incidents:request_detail", activation.pk)
    return render(request, "incidents/requests/new.html", {"form": form})


@no_store
@login_required
def request_detail(request, request_id):
    activation = access_activation_request(request.user, request_id)
    context = {
        "activation": activation,
        "criteria": [(label, getattr(activation, name)) for name, label in CRITERIA_FIELDS.items()],
        "can_decide": is_secretariat(request.user) and activation.is_pending,
    }
    if context["can_decide"]:
        context["confirm_form"] = ConfirmActivationForm(
            initial={name: getattr(activation, name) for name in CRITERIA_FIELDS}
        )
        context["decline_form"] = DeclineActivationForm()
    return render(request, "incidents/requests/detail.html", context)


@no_store
@login_required
@require_POST
@two_factor_setup_on_refusal
def request_confirm(request, request_id):
    activation = access_activation_request(request.user, request_id, for_write=True)
    form = ConfirmActivationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a tier and a TLP level."))
        return redirect("incidents:request_detail", activation.pk)
    data = form.cleaned_data
    declared = run_service(
        request,
        lambda: services.confirm_activation(
            actor=request.user,
            request=activation,
            tier=data["tier"],
            tlp=data["tlp"],
            criteria={name: data[name] for name in CRITERIA_FIELDS},
        ),
        done=_("Incident declared."),
    )
    if not declared:
        return redirect("incidents:request_detail", activation.pk)
    return redirect("incidents:detail", declared.result.pk)


@no_store
@login_required
@require_POST
@two_factor_setup_on_refusal
def request_decline(request, request_id):
    activation = access_activation_request(request.user, request_id, for_write=True)
    form = DeclineActivationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for declining."))
        return redirect("incidents:request_detail", activation.pk)
    run_service(
        request,
        lambda: services.decline_activation(actor=request.user, request=activation, reason=form.cleaned_data["reason"]),
        done=_("The request was declined."),
    )
    return redirect("incidents:request_detail", activation.pk)


@no_store
@login_required
@two_factor_setup_on_refusal
def declare(request):
    check_manage(request.user)
    organizations = Organization.objects.filter(standing__in=PARTICIPATING_STANDINGS).order_by("name")
    form = DeclareIncidentForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.declare_incident(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Incident declared."))
            return redirect("incidents:detail", incident.pk)
    return render(request, "incidents/declare.html", {"form": form})
