"""The registry under /api/v1/. A SimpleRouter: the other apps mount their own
routes under the same prefix, so no single API root view belongs here."""

from rest_framework.routers import SimpleRouter

from . import schema, views, webhooks  # noqa: F401  (schema registers the token scheme with drf-spectacular)

router = SimpleRouter()
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("tokens", views.ApiTokenViewSet, basename="api-token")
router.register("webhooks", webhooks.WebhookEndpointViewSet, basename="webhook")

urlpatterns = router.urls
