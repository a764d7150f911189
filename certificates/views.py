"""The public verify page (``/verify/<code>``): the answer a QR on a certificate
opens, signed in or not. It shows what ``certificates.selectors.certificate_verify``
returns and nothing else; unknown codes get a plain 404 page, and one address asking
too often a plain 429.

The page is small and public, and a crowd may scan at once (a hall of graduates):
it is written with ``format_html`` (every value escaped) rather than through the
template engine and without the portal's context processors, so an answer costs
about what a bare view does (``make bench-certificates``)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from certificates import selectors, services
from certificates.errors import CertificateNotFound, VerifyRateLimited

HEAD = (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    '<meta name="robots" content="noindex"><title>{}</title><style>'
    'body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:0;'
    "padding:1.5rem;background:#f6f6f6;color:#222;font-size:1.125rem}}"
    "main{{max-width:32rem;margin:auto;background:#fff;border-radius:.5rem;"
    "padding:1.5rem}}.status{{font-size:1.75rem;font-weight:bold;"
    "margin:.25rem 0 1rem}}.valid{{color:#0a6b2d}}.revoked{{color:#a40000}}"
    "dt{{color:#555;font-size:1rem;margin-top:.75rem}}dd{{margin:0}}"
    "</style></head><body><main><h1>结业证书验证</h1>"
)
TAIL = "</main></body></html>"
ROWS = (
    "<dl><dt>姓名</dt><dd>{}</dd><dt>培训班</dt><dd>{}</dd>"
    "<dt>培训日期</dt><dd>{} 至 {}</dd><dt>发证单位</dt><dd>{}</dd>"
    "<dt>发证日期</dt><dd>{}</dd></dl>"
)


def _day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


@never_cache
@require_GET
def verify_view(request: HttpRequest, code: str) -> HttpResponse:
    """证书验证: 有效 / 已撤销 with the masked name, class, dates and issuer."""
    try:
        services.verify_rate_check(address=request.META.get("REMOTE_ADDR", ""))
    except VerifyRateLimited as error:
        response = _refused(error.detail, status=429)
        response["Retry-After"] = "60"
        return response
    try:
        v = selectors.certificate_verify(code=code)
    except CertificateNotFound as error:
        return _refused(error.detail, status=404)
    status = v.status_label
    if v.revoked_on:
        status += f"（{_day(v.revoked_on)} 撤销）"
    body = format_html(
        HEAD + '<p class="status {}" role="status">{}</p>' + ROWS + TAIL,
        f"证书验证 · {v.status_label}",
        "valid" if v.valid else "revoked",
        status,
        v.masked_name,
        v.class_title,
        _day(v.starts_on),
        _day(v.ends_on),
        v.issuer_name,
        _day(v.issued_on),
    )
    return HttpResponse(body)


def _refused(detail: str, *, status: int) -> HttpResponse:
    body = format_html(HEAD + "<p>{}</p>" + TAIL, "证书验证", detail)
    return HttpResponse(body, status=status)
