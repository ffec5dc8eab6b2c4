"""Mounted by portal/urls.py under /api/v1/."""

from django.urls import path

from .api import views

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
    path("incidents/<int:incident_id>/items/", views.RoomItems.as_view(), name="incident-items"),
    path("incidents/<int:incident_id>/indicators/", views.Indicators.as_view(), name="incident-indicators"),
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
