"""The registry's server-rendered pages. Names in the `portal` namespace are used by
services and emails (home, dashboard, my_organizations, review_queue,
organization_manage, invitation_accept): keep them."""

from django.urls import path

from .calendar import views as calendar
from .views import (
    applications,
    audit,
    contact_checks,
    contacts,
    directory,
    inbox,
    invitations,
    manage,
    notifications,
    pages,
    profile,
    search,
    service_worker,
    sso,
    tokens,
    webhooks,
)

app_name = "portal"

urlpatterns = [
    path("", pages.home, name="home"),
    path("dashboard/", pages.dashboard, name="dashboard"),
    path("language/", pages.set_language, name="set_language"),
    path("search/", search.search_page, name="search"),
    path("organisations/", directory.directory, name="directory"),
    path("organisations/<slug:slug>/", directory.organization_detail, name="organization_detail"),
    path("organisations/<slug:slug>/join/", directory.organization_join, name="organization_join"),
    path("organisations/<slug:slug>/manage/", manage.organization_manage, name="organization_manage"),
    path("organisations/<slug:slug>/manage/invite/", manage.invite, name="organization_invite"),
    path(
        "organisations/<slug:slug>/manage/members/<int:membership_id>/role/",
        manage.change_roles,
        name="membership_role",
    ),
    path(
        "organisations/<slug:slug>/manage/members/<int:membership_id>/remove/",
        manage.remove_member,
        name="membership_remove",
    ),
    path(
        "organisations/<slug:slug>/manage/invitations/<int:invitation_id>/revoke/",
        manage.revoke_invitation,
        name="invitation_revoke",
    ),
    path("organisations/<slug:slug>/manage/escalation/", contacts.escalation_chain, name="escalation_chain"),
    path("organisations/<slug:slug>/deputies/", contacts.deputies, name="deputies"),
    path("organisations/<slug:slug>/manage/webhooks/", webhooks.webhooks, name="webhooks"),
    path("organisations/<slug:slug>/manage/sign-in/", sso.identity_provider, name="identity_provider"),
    path("sign-in/organisation/", sso.organization_sign_in, name="organization_sign_in"),
    path(
        "organisations/<slug:slug>/manage/webhooks/<int:endpoint_id>/",
        webhooks.webhook_detail,
        name="webhook_detail",
    ),
    path(
        "organisations/<slug:slug>/manage/webhooks/<int:endpoint_id>/<slug:action>/",
        webhooks.webhook_action,
        name="webhook_action",
    ),
    path("apply/", applications.apply, name="apply"),
    path("me/organisations/", applications.my_organizations, name="my_organizations"),
    path("review/", applications.review_queue, name="review_queue"),
    path("review/standing/", applications.change_standing, name="change_standing"),
    path(
        "review/applications/<int:application_id>/approve/",
        applications.approve_application,
        name="application_approve",
    ),
    path(
        "review/applications/<int:application_id>/reject/",
        applications.reject_application,
        name="application_reject",
    ),
    path("audit/", audit.audit_log_page, name="audit_log"),
    path("audit/export.<str:fmt>", audit.audit_export, name="audit_export"),
    path("sw.js", service_worker.service_worker, name="service_worker"),
    path("notifications/", inbox.notification_list, name="notification_list"),
    path("notifications/read-all/", inbox.mark_all_notifications_read, name="notification_read_all"),
    path("notifications/<int:notification_id>/read/", inbox.mark_notification_read, name="notification_read"),
    path("account/profile/", profile.profile, name="profile"),
    path("account/data.json", profile.personal_data_download, name="personal_data"),
    path("account/delete/", profile.delete_account, name="delete_account"),
    path("account/tokens/", tokens.api_tokens, name="api_tokens"),
    path("account/tokens/<int:token_id>/revoke/", tokens.revoke_api_token, name="api_token_revoke"),
    path("account/calendar/", calendar.calendar_page, name="calendar"),
    path("account/calendar/revoke/", calendar.revoke_calendar, name="calendar_revoke"),
    path("calendar/<str:key>.ics", calendar.calendar_feed, name="calendar_feed"),
    path("invitations/<str:token>/", invitations.invitation_accept, name="invitation_accept"),
    path("account/contact/", contacts.my_contact, name="my_contact"),
    path("account/notifications/", notifications.notification_settings, name="notification_settings"),
    path("account/notifications/preview/", notifications.digest_preview, name="digest_preview"),
    path("notifications/unsubscribe/<str:token>/", notifications.unsubscribe, name="unsubscribe"),
    path("contacts/confirm/<str:token>/", contact_checks.contact_confirm, name="contact_confirm"),
    path("review/contacts/", contact_checks.stale_contacts, name="stale_contacts"),
]
