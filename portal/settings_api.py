"""The REST API's settings (DRF and drf-spectacular), imported by portal/settings.py: kept apart
so the settings module stays readable."""

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # DRF's JSON parser, refusing bodies nested too deeply or with lone surrogates (a 400, not a 500).
    "DEFAULT_PARSER_CLASSES": [
        "portal.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "300/min", "user": "1200/min"},
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Call Portal API",
    "DESCRIPTION": "Signatory registry, commitments and incident coordination.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the installed sidecar package, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Tags and operation ids from the path after /api/v1/ ("organizations", not "v1").
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # One name per registry choice set, whatever the field is called in a serializer.
    "ENUM_NAME_OVERRIDES": {
        "OrganizationKindEnum": "portal.models.OrganizationKind",
        "StandingEnum": "portal.models.Standing",
        "RoleEnum": "portal.models.Role",
        "IncidentStatusEnum": "incidents.models.Status",
        "ProgressStatusEnum": "commitments.models.progress.ProgressStatus",
        "ActionStatusEnum": "incidents.models.ActionStatus",
        "PlatformStatusEnum": "incidents.models.PlatformStatus",
        "IndicatorKindEnum": "incidents.models.IndicatorKind",
    },
}
