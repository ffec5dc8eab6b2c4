"""Response headers Django 5.2 does not set itself."""

from django.conf import settings

# Scripts only from our own origin: no inline script can run, so injected markup stays inert.
# Inline style attributes are allowed because progress bars set their widths with them.
# connect-src 'self' also covers ws:/wss: to this host and port (CSP Level 3), which is where
# the incident room's socket goes; any other host could be sent what a page reads.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def policy_with_form_action(origin: str) -> str:
    """The site's policy, letting forms also lead to `origin`: a form whose answer redirects there
    (single sign-on's step to an organisation's provider) is held to form-action too."""
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", CONTENT_SECURITY_POLICY)
    return policy.replace("form-action 'self'", f"form-action 'self' {origin}")


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(
            "Content-Security-Policy", getattr(settings, "CONTENT_SECURITY_POLICY", CONTENT_SECURITY_POLICY)
        )
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
