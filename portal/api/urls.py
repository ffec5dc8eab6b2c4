"""The registry under /api/v1/. A SimpleRouter: the other apps mount their own
routes under the same prefix, so no single API root view belongs here."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import (  # noqa: F401  (schema registers the token scheme with drf-spectacular)
    applications,
    audit,
    contacts,
    deputies,
    inbox,
    me,
    notifications,
    push,
    schema,
    search,
    sso,
    views,
    webhooks,
)

router = SimpleRouter()
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("tokens", views.ApiTokenViewSet, basename="api-token")
router.register("applications", applications.ApplicationViewSet, basename="application")
router.register("webhooks", webhooks.WebhookEndpointViewSet, basename="webhook")

urlpatterns = [
    path("me/", me.MyProfile.as_view(), name="me"),
    path("me/calendar/", me.MyCalendarFeed.as_view(), name="me-calendar"),
    path("invitations/<str:token>/accept/", me.AcceptInvitation.as_view(), name="invitation-accept"),
    path("me/contact/", contacts.MyContact.as_view(), name="me-contact"),
    path(
        "organizations/<int:pk>/identity-provider/",
        sso.IdentityProvider.as_view(),
        name="organization-identity-provider",
    ),
    path(
        "organizations/<int:pk>/identity-provider/saml/",
        sso.SamlIdentityProvider.as_view(),
        name="organization-identity-provider-saml",
    ),
    path("contacts/stale/", contacts.StaleContacts.as_view(), name="stale-contacts"),
    path("audit/", audit.AuditLog.as_view(), name="audit-log"),
    path("search/", search.Search.as_view(), name="search"),
    path("me/notifications/", notifications.MyNotificationSettings.as_view(), name="me-notifications"),
    path("notifications/", inbox.NotificationList.as_view(), name="notification-list"),
    path("notifications/read-all/", inbox.MarkAllNotificationsRead.as_view(), name="notification-read-all"),
    path("notifications/<int:pk>/read/", inbox.MarkNotificationRead.as_view(), name="notification-read"),
    path("push/key/", push.WebPushKey.as_view(), name="push-key"),
    path("push/subscriptions/", push.Subscribe.as_view(), name="push-subscribe"),
    path("push/subscriptions/remove/", push.Unsubscribe.as_view(), name="push-unsubscribe"),
    path("me/notifications/preview/", notifications.MyDigestPreview.as_view(), name="me-digest-preview"),
    path(
        "organizations/<int:pk>/escalation-chain/",
        contacts.EscalationChain.as_view(),
        name="organization-escalation-chain",
    ),
    path("organizations/<int:pk>/deputies/", deputies.Deputies.as_view(), name="organization-deputies"),
    path(
        "organizations/<int:pk>/deputies/<int:deputy_id>/",
        deputies.DeputyDetail.as_view(),
        name="organization-deputy",
    ),
    *router.urls,
]
