"""The public verify page (``/verify/<code>``): the answer a QR on a certificate
opens, signed in or not. It shows what ``certificates.selectors.certificate_verify``
returns and nothing else; unknown codes get a plain 404 page, and one address asking
too often a plain 429."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from certificates import selectors, services
from certificates.errors import CertificateNotFound, VerifyRateLimited


@never_cache
@require_GET
def verify_view(request: HttpRequest, code: str) -> HttpResponse:
    """证书验证: 有效 / 已撤销 with the masked name, class, dates and issuer."""
    try:
        services.verify_rate_check(address=request.META.get("REMOTE_ADDR", ""))
    except VerifyRateLimited as error:
        response = _page("certificates/verify_refused.html", {"detail": error.detail})
        response.status_code = 429
        response["Retry-After"] = "60"
        return response
    try:
        verification = selectors.certificate_verify(code=code)
    except CertificateNotFound as error:
        response = _page("certificates/verify_refused.html", {"detail": error.detail})
        response.status_code = 404
        return response
    return _page(
        "certificates/verify.html",
        {"v": verification, "site_name": settings.WAGTAIL_SITE_NAME},
    )


def _page(template_name: str, context: dict) -> HttpResponse:
    # A page of its own, outside the portal's chrome: rendered without the
    # request, so no context processor (session, user, portal menus) runs for a
    # stranger's phone.
    return HttpResponse(render_to_string(template_name, context))
