"""The commitments API under /api/v1/ (portal.urls mounts it)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import dashboard, views

router = SimpleRouter()
router.register("commitments", views.CommitmentViewSet, basename="commitment")
router.register("implementations", views.ImplementationViewSet, basename="implementation")
router.register("progress-updates", views.ProgressUpdateViewSet, basename="progress-update")
router.register("annotations", views.AnnotationViewSet, basename="annotation")
router.register("reporting-status", views.ReportingStatusViewSet, basename="reporting-status")
router.register("transparency-reports", views.TransparencyReportViewSet, basename="transparency-report")

urlpatterns = [path("dashboard/", dashboard.Dashboard.as_view(), name="dashboard-totals"), *router.urls]
