from django.urls import path

from .consumers import NotificationStreamConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationStreamConsumer.as_asgi()),
]
