"""The URL root: wires the registry, the other apps' pages and APIs (TAXII 2.1 at /taxii2/),
accounts, health checks and the API schema."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import admin_site
from .views import health, metrics, sso, two_factor

admin_site.secure(admin.site)

api_v1 = [
    path("", include("portal.api.urls")),
    path("", include("commitments.api_urls")),
    path("", include("incidents.api_urls")),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),  # Prometheus, with METRICS_TOKEN (docs/operations.md)
    path("i18n/", include("django.conf.urls.i18n")),
    # Before allauth's: the same pages and names, carrying the page to go back to afterwards.
    path("accounts/2fa/totp/activate/", two_factor.activate_totp, name="mfa_activate_totp"),
    path("accounts/2fa/recovery-codes/", two_factor.view_recovery_codes, name="mfa_view_recovery_codes"),
    path("accounts/2fa/webauthn/add/", two_factor.add_webauthn, name="mfa_add_webauthn"),
    # An unreachable or refused provider is a message on the sign-in page, not a server error.
    path("accounts/oidc/<str:provider_id>/login/", sso.provider_login, name="openid_connect_login"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its script as a file: the site's CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("commitments/", include("commitments.urls")),
    path("incidents/", include("incidents.urls")),
    path("taxii2/", include("incidents.taxii.urls")),
    path("misp/feed/", include("incidents.misp_urls")),
    path("", include("portal.web_urls")),
]
