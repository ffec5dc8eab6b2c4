from django.urls import path

from .consumers import IncidentRoomConsumer

websocket_urlpatterns = [
    path("ws/incidents/<int:incident_id>/", IncidentRoomConsumer.as_asgi()),
]
