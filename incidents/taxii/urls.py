"""TAXII 2.1 under /taxii2/ (mounted by portal/urls.py): discovery, then one API root."""

from django.urls import path

from . import views

app_name = "taxii"

COLLECTION = "api/collections/<str:collection_id>/"

urlpatterns = [
    path("", views.Discovery.as_view(), name="discovery"),
    path("api/", views.ApiRoot.as_view(), name="api-root"),
    path("api/status/<str:status_id>/", views.Status.as_view(), name="status"),
    path("api/collections/", views.Collections.as_view(), name="collections"),
    path(COLLECTION, views.Collection.as_view(), name="collection"),
    path(f"{COLLECTION}objects/", views.Objects.as_view(), name="objects"),
    path(f"{COLLECTION}objects/<str:object_id>/", views.Object.as_view(), name="object"),
    path(f"{COLLECTION}objects/<str:object_id>/versions/", views.ObjectVersions.as_view(), name="object-versions"),
    path(f"{COLLECTION}manifest/", views.Manifest.as_view(), name="manifest"),
]
