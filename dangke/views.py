"""Probes for an orchestrator or a load balancer: ``/healthz`` (the process answers)
and ``/readyz`` (its dependencies answer too; 503 naming the one that does not), both
answered by ``dangke.middleware.ProbeMiddleware``; and uploaded originals served as
attachments in development."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.static import serve

from dangke.health import readiness


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the process serves requests; touches no dependency."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database, broker, storage and search all answer, else 503; the
    body names each with its state (``up``, ``down``, ``timeout``)."""
    report = readiness()
    return JsonResponse(
        {"status": "ready" if report["ready"] else "unavailable", **report},
        status=200 if report["ready"] else 503,
        json_dumps_params={"ensure_ascii": False},
    )


def original_file_serve(request: HttpRequest, path: str, document_root) -> HttpResponse:
    """An uploaded original (development server only), as an attachment that the
    browser must not sniff into something runnable."""
    response = serve(request, path, document_root=document_root)
    response["Content-Disposition"] = "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response
