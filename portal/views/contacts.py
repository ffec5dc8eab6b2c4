"""A member's own 24/7 contact details, and an organisation's escalation chain (for its admins
and the secretariat, who see the members' numbers there)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import permissions, services
from ..contacts import selectors
from ..contacts.forms import ChainForm, ContactForm, DeputyForm, number_formset, numbers_of
from ..decorators import secretariat_two_factor
from ..forms import add_service_errors, messages_of
from ..models import Membership
from ..roles import holds


@login_required
@require_http_methods(["GET", "POST"])
def my_contact(request):
    if not permissions.can_keep_contact(request.user):
        raise PermissionDenied(_("Contact details are kept by the members of an organisation."))
    card = selectors.contact_card(request.user)
    service_errors = []
    if request.method == "POST":
        form, numbers = ContactForm(request.POST), number_formset(request.POST)
        if form.is_valid() and numbers.is_valid():
            try:
                services.update_contact(
                    actor=request.user,
                    user=request.user,
                    numbers=numbers_of(numbers),
                    time_zone=form.cleaned_data["time_zone"],
                    languages=form.cleaned_data["languages"],
                )
            except ValidationError as error:
                service_errors = messages_of(error)
            else:
                messages.success(request, _("Your contact details are saved."))
                return redirect("portal:my_contact")
    else:
        initial = {"time_zone": card.time_zone, "languages": card.contact.languages if card.contact else []}
        form, numbers = ContactForm(initial=initial), number_formset(numbers=card.numbers)
    return render(
        request,
        "portal/contacts/my_contact.html",
        {"card": card, "form": form, "numbers": numbers, "service_errors": service_errors},
    )


@login_required
@secretariat_two_factor
@require_http_methods(["GET", "POST"])
def escalation_chain(request, slug):
    organization = permissions.access_organization_by_slug(request.user, slug)
    if not permissions.can_manage_escalation_chain(request.user, organization):
        raise PermissionDenied(
            _("Only this organisation's admins and the secretariat can change its escalation chain.")
        )
    members = selectors.member_cards(organization)
    eligible = [m for m, _card in members if holds(m, *selectors.CHAIN_ROLES)]
    chain = selectors.escalation_chain(organization)
    form = ChainForm(request.POST or None, members=eligible, chain=chain)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_escalation_chain(actor=request.user, organization=organization, steps=form.steps)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The escalation chain is saved."))
            return redirect("portal:escalation_chain", slug=organization.slug)
    return render(
        request,
        "portal/contacts/escalation_chain.html",
        {"organization": organization, "members": members, "chain": chain, "form": form},
    )


@login_required
@secretariat_two_factor
@require_http_methods(["GET", "POST"])
def deputies(request, slug):
    """Who covers whom: the organisation's responders name a deputy for a period (leave)."""
    organization = permissions.access_organization_by_slug(request.user, slug)
    if not permissions.can_view_deputies(request.user, organization):
        raise PermissionDenied(_("Only this organisation's responders and admins can name deputies."))
    members = Membership.objects.filter(organization=organization, user__is_active=True).select_related("user")
    responders = permissions.responders_whose_deputy_user_names(request.user, organization)
    form = DeputyForm(request.POST or None, responders=responders, members=members)
    if request.method == "POST" and "end" in request.POST:
        end = request.POST["end"]
        deputy_id = int(end) if end.isdigit() and len(end) < 18 else 0  # a bad id is a 404, never a 500
        deputy = get_object_or_404(selectors.list_deputies(organization), pk=deputy_id)
        services.end_deputy(actor=request.user, deputy=deputy)
        messages.success(request, _("The deputy no longer covers."))
        return redirect("portal:deputies", slug=slug)
    if request.method == "POST" and form.is_valid():
        try:
            services.name_deputy(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The deputy is named."))
            return redirect("portal:deputies", slug=slug)
    rows = [(d, permissions.can_name_deputy(request.user, d.membership)) for d in selectors.list_deputies(organization)]
    return render(request, "portal/contacts/deputies.html", {"organization": organization, "form": form, "rows": rows})
