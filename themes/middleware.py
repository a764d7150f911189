"""Content-Security-Policy for the member portal: scripts only from our own static
files (no inline script, no eval), nothing loaded from another host.

The Wagtail admin (which uses inline scripts) and the API (JSON) are left alone. When
media comes from an S3-compatible store, its origin is allowed for media, images and
the player's fetches (presigned segment URLs).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

EXEMPT_PREFIXES = ("/admin/", "/api/", "/documents/", "/django-admin/")


def _storage_origin() -> str:
    endpoint = getattr(settings, "AWS_S3_ENDPOINT_URL", "") or ""
    if not getattr(settings, "AWS_STORAGE_BUCKET_NAME", ""):
        return ""
    if not endpoint:
        return "https://*.amazonaws.com"
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy() -> str:
    storage = _storage_origin()
    extra = f" {storage}" if storage else ""
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": f"'self' data: blob:{extra}",
        "media-src": f"'self' blob:{extra}",
        "connect-src": f"'self'{extra}",
        "worker-src": "'self' blob:",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'self'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class PortalSecurityHeadersMiddleware:
    """Adds the portal's CSP (and a strict referrer policy) to its HTML pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.policy = content_security_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(EXEMPT_PREFIXES):
            return response
        if "text/html" in response.get("Content-Type", ""):
            response.setdefault("Content-Security-Policy", self.policy)
            response.setdefault("Referrer-Policy", "same-origin")
        return response
