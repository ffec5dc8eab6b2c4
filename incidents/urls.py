from django.urls import path

from .views import activation, alerts, controls, indicator_lists, reports, room

app_name = "incidents"

urlpatterns = [
    path("", room.incident_list, name="list"),
    path("help/", reports.tiers_help, name="help"),
    path("declare/", activation.declare, name="declare"),
    path("debriefs/", reports.debrief_list, name="debriefs"),
    path("debriefs/<int:debrief_id>/", reports.debrief_detail, name="debrief"),
    path("requests/", activation.request_list, name="requests"),
    path("requests/new/", activation.request_new, name="request_new"),
    path("requests/<int:request_id>/", activation.request_detail, name="request_detail"),
    path("requests/<int:request_id>/confirm/", activation.request_confirm, name="request_confirm"),
    path("requests/<int:request_id>/decline/", activation.request_decline, name="request_decline"),
    path("acknowledge/<str:token>/", alerts.acknowledge, name="acknowledge"),
    path("<int:incident_id>/", room.incident_detail, name="detail"),
    path("<int:incident_id>/status/", room.change_status, name="change_status"),
    path("<int:incident_id>/acknowledge/", room.acknowledge_in_room, name="acknowledge_in_room"),
    path("<int:incident_id>/tier/", controls.change_tier, name="change_tier"),
    path("<int:incident_id>/tlp/", controls.change_tlp, name="change_tlp"),
    path("<int:incident_id>/invite/", controls.invite_organization, name="invite_organization"),
    path("<int:incident_id>/commander/", controls.set_commander, name="set_commander"),
    path("<int:incident_id>/recipients/", controls.add_recipient, name="add_recipient"),
    path("<int:incident_id>/recipients/<int:user_id>/remove/", controls.remove_recipient, name="remove_recipient"),
    path("<int:incident_id>/indicators/", room.add_indicator, name="add_indicator"),
    path("<int:incident_id>/indicators/list/", indicator_lists.share_list, name="share_indicator_list"),
    path("<int:incident_id>/indicators.csv", reports.indicators_csv, name="indicators_csv"),
    path("<int:incident_id>/indicators.stix.json", reports.indicators_stix, name="indicators_stix"),
    path(
        "<int:incident_id>/indicators/<int:indicator_id>/status/",
        room.set_platform_status,
        name="set_platform_status",
    ),
    path("<int:incident_id>/actions/", room.create_action, name="create_action"),
    path("<int:incident_id>/actions/<int:action_id>/done/", room.complete_action, name="complete_action"),
    path("<int:incident_id>/timeline/", reports.timeline, name="timeline"),
    path("<int:incident_id>/report/", reports.report, name="report"),
    path("<int:incident_id>/report.md", reports.report_markdown, name="report_markdown"),
    path("<int:incident_id>/debrief/", reports.save_debrief, name="save_debrief"),
    path("<int:incident_id>/debrief/publish/", reports.publish_debrief, name="publish_debrief"),
    path(
        "<int:incident_id>/debrief/findings/confirm/",
        reports.confirm_debrief_finding,
        name="confirm_debrief_finding",
    ),
]
