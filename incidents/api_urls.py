"""Mounted by portal/urls.py under /api/v1/."""

from django.urls import path

from .api import activation, alerts, controls, debriefs, indicator_lists, report, stix, views

app_name = "incidents-api"

urlpatterns = [
    path("incidents/", views.IncidentList.as_view(), name="incident-list"),
    path("incidents/<int:incident_id>/", views.IncidentDetail.as_view(), name="incident-detail"),
    path("incidents/<int:incident_id>/status/", views.IncidentStatus.as_view(), name="incident-status"),
    path(
        "incidents/<int:incident_id>/organizations/",
        views.IncidentOrganizations.as_view(),
        name="incident-organizations",
    ),
    path(
        "incidents/<int:incident_id>/organizations/<int:organization_id>/",
        views.IncidentOrganization.as_view(),
        name="incident-organization",
    ),
    path("incidents/<int:incident_id>/tier/", controls.IncidentTier.as_view(), name="incident-tier"),
    path("incidents/<int:incident_id>/tlp/", controls.IncidentTlp.as_view(), name="incident-tlp"),
    path("incidents/<int:incident_id>/commander/", controls.IncidentCommander.as_view(), name="incident-commander"),
    path("incidents/<int:incident_id>/recipients/", controls.IncidentRecipients.as_view(), name="incident-recipients"),
    path(
        "incidents/<int:incident_id>/recipients/<int:user_id>/",
        controls.IncidentRecipient.as_view(),
        name="incident-recipient",
    ),
    path(
        "incidents/<int:incident_id>/indicators/csv/", controls.IndicatorsCsv.as_view(), name="incident-indicators-csv"
    ),
    path("incidents/<int:incident_id>/stix/", stix.IndicatorsStix.as_view(), name="incident-stix"),
    path(
        "incidents/<int:incident_id>/alerts/acknowledge/",
        alerts.AlertAcknowledge.as_view(),
        name="incident-alert-acknowledge",
    ),
    path("activation-requests/", activation.ActivationRequests.as_view(), name="activation-requests"),
    path(
        "activation-requests/<int:request_id>/",
        activation.ActivationRequestDetail.as_view(),
        name="activation-request",
    ),
    path(
        "activation-requests/<int:request_id>/confirm/",
        activation.ActivationConfirm.as_view(),
        name="activation-confirm",
    ),
    path(
        "activation-requests/<int:request_id>/decline/",
        activation.ActivationDecline.as_view(),
        name="activation-decline",
    ),
    path("debriefs/", activation.Debriefs.as_view(), name="debriefs"),
    path("debriefs/<int:debrief_id>/", activation.DebriefDetail.as_view(), name="debrief"),
    path("incidents/<int:incident_id>/items/", views.RoomItems.as_view(), name="incident-items"),
    path("incidents/<int:incident_id>/report/", report.AfterActionReport.as_view(), name="incident-report"),
    path("incidents/<int:incident_id>/debrief/", debriefs.IncidentDebrief.as_view(), name="incident-debrief"),
    path(
        "incidents/<int:incident_id>/debrief/findings/",
        debriefs.DebriefFindings.as_view(),
        name="incident-debrief-findings",
    ),
    path("incidents/<int:incident_id>/indicators/", views.Indicators.as_view(), name="incident-indicators"),
    path(
        "incidents/<int:incident_id>/indicators/bulk/",
        indicator_lists.IndicatorList.as_view(),
        name="incident-indicators-bulk",
    ),
    path(
        "incidents/<int:incident_id>/indicators/<int:indicator_id>/status/",
        views.IndicatorPlatformStatus.as_view(),
        name="indicator-platform-status",
    ),
    path("incidents/<int:incident_id>/actions/", views.Actions.as_view(), name="incident-actions"),
    path(
        "incidents/<int:incident_id>/actions/<int:action_id>/complete/",
        views.ActionComplete.as_view(),
        name="action-complete",
    ),
]
