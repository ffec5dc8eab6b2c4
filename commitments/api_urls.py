"""The commitments API under /api/v1/ (portal.urls mounts it)."""

from rest_framework.routers import SimpleRouter

from .api import views

router = SimpleRouter()
router.register("commitments", views.CommitmentViewSet, basename="commitment")
router.register("implementations", views.ImplementationViewSet, basename="implementation")
router.register("progress-updates", views.ProgressUpdateViewSet, basename="progress-update")
router.register("annotations", views.AnnotationViewSet, basename="annotation")
router.register("reporting-status", views.ReportingStatusViewSet, basename="reporting-status")
router.register("transparency-reports", views.TransparencyReportViewSet, basename="transparency-report")

urlpatterns = router.urls
