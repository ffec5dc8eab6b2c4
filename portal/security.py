"""Response headers Django 5.2 does not set itself."""

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http.request import split_domain_port

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


def policy_for(request) -> str:
    """The site's policy; with WEBSOCKET_PORT set, sockets may also go to that port of the page's
    own host (the ws process group, docs/operations.md), which 'self' does not cover."""
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", CONTENT_SECURITY_POLICY)
    port = getattr(settings, "WEBSOCKET_PORT", None)
    if not port:
        return policy
    try:
        host, _port = split_domain_port(request.get_host())
    except DisallowedHost:  # answered 400 elsewhere; the plain policy is the stricter one
        return policy
    if not host:
        return policy
    return policy.replace("connect-src 'self'", f"connect-src 'self' ws://{host}:{port} wss://{host}:{port}")


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", policy_for(request))
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
