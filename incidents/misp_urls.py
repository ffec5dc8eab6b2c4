"""Mounted by portal/urls.py under /misp/feed/: the MISP feed (api/misp.py)."""

from django.urls import path

from .api import misp

app_name = "incidents-misp"

urlpatterns = [
    path("manifest.json", misp.MispManifest.as_view(), name="manifest"),
    path("hashes.csv", misp.MispHashes.as_view(), name="hashes"),
    path("<str:event_uuid>.json", misp.MispEvent.as_view(), name="event"),
]
