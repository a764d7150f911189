"""Probes for an orchestrator or a load balancer: ``/healthz`` (the process answers)
and ``/readyz`` (its dependencies answer too; 503 naming the one that does not), both
answered by ``dangke.middleware.ProbeMiddleware``; ``/favicon.ico``, which browsers
ask for at the root whatever a page links; and uploaded originals served as
attachments in development."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.static import serve

from dangke.health import readiness

FAVICON = "themes/img/favicon.ico"


@require_safe
def favicon(request: HttpRequest) -> FileResponse:
    """The portal's icon (a static file) at the root, where browsers look for it."""
    path = finders.find(FAVICON)
    if not path:
        raise Http404("favicon.ico")
    response = FileResponse(open(path, "rb"), content_type="image/vnd.microsoft.icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


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
