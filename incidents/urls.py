from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("<int:incident_id>/", views.incident_detail, name="detail"),
    path("<int:incident_id>/status/", views.change_status, name="change_status"),
    path("<int:incident_id>/indicators/", views.add_indicator, name="add_indicator"),
    path(
        "<int:incident_id>/indicators/<int:indicator_id>/status/",
        views.set_platform_status,
        name="set_platform_status",
    ),
    path("<int:incident_id>/actions/", views.create_action, name="create_action"),
    path("<int:incident_id>/actions/<int:action_id>/done/", views.complete_action, name="complete_action"),
]
