"""The app shell's own pages: 学习 (what the member is learning), 我的 (account,
长辈模式, password, sign-out), the offline page and the service worker that shows it.

Views are thin: the 学习 page reads through the portal's template tags (which call
``learning.selectors`` and ``cms.selectors``); password changes are Django's."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from django.apps import apps
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import reverse, reverse_lazy
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET

from themes.rendering import render_portal, theme_for_request, theme_templates

# What the service worker keeps on install: enough to draw the offline page in the
# portal's look (static paths, under STATIC_URL).
SHELL_STATIC = (
    "themes/css/portal.css",
    "themes/js/portal.js",
    "themes/js/heartbeats.js",
    "themes/img/icons.svg",
    "themes/img/favicon.svg",
    "themes/img/favicon.ico",
    "themes/img/icon-192.png",
    "themes/manifest.webmanifest",
)
OFFLINE_URL = "/offline/"


def learning_view(request: HttpRequest) -> HttpResponse:
    """学习: the member's courses (required with their progress, electives),
    lessons to continue, current topics and the site's sections; for visitors the
    topics and sections alone."""
    return render_portal(request, "learning.html")


@login_required
def me_view(request: HttpRequest) -> HttpResponse:
    """我的: who is signed in (name, organisation, 党员类别), 长辈模式, the change
    of password, sign-out and the member's own pages."""
    return render_portal(request, "me.html")


class PasswordChangeView(auth_views.PasswordChangeView):
    """修改密码: Django's password change (old password, the validators' rules,
    the session kept signed in), in the portal's look, back to 我的 when done."""

    success_url = reverse_lazy("portal:me")

    def get_template_names(self) -> list[str]:
        return theme_templates(theme_for_request(self.request), "password_change.html")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "密码已修改，下次请用新密码登录")
        return response


@require_GET
def offline_view(request: HttpRequest) -> HttpResponse:
    """网络已断开: the page the service worker shows when a page cannot be loaded.
    It is kept in the browser's cache, so it says nothing about who was signed in
    (rendered as for a visitor, without forms); 长辈模式 is the cookie's."""
    request.user = AnonymousUser()
    response = render_portal(request, "offline.html", {"offline": True})
    patch_cache_control(response, no_cache=True)
    patch_vary_headers(response, ["Cookie"])
    return response


def _static_dir() -> Path:
    return Path(apps.get_app_config("themes").path) / "static"


def _static_fingerprint() -> tuple:
    """Name, size and modification time of every portal static file: cheap to take
    on each request, and it changes whenever a file does."""
    root = _static_dir()
    return tuple(
        (str(path.relative_to(root)), stat.st_size, stat.st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file() and (stat := path.stat())
    )


@lru_cache(maxsize=4)
def _static_version(fingerprint: tuple) -> str:
    """A hash of the portal's static files' contents (and of the worker itself): a
    deploy that changes any of them names a new cache, and the old one is dropped."""
    root = _static_dir()
    digest = hashlib.sha256()
    for name, _size, _mtime in fingerprint:
        digest.update(name.encode())
        digest.update((root / name).read_bytes())
    return digest.hexdigest()[:16]


def service_worker_script() -> str:
    """The worker's source: its settings (cache version, shell URLs, offline page)
    in front of ``themes/js/sw.js``."""
    version = _static_version(_static_fingerprint())
    config = {
        "version": version,
        "shell": [static(name) for name in SHELL_STATIC]
        + [reverse("portal:theme_css"), OFFLINE_URL],
        "offline": OFFLINE_URL,
        "static": static("themes/"),
    }
    source = (_static_dir() / "themes/js/sw.js").read_text(encoding="utf-8")
    return f"self.DANGKE_SHELL = {json.dumps(config)};\n{source}"


@require_GET
def service_worker_view(request: HttpRequest) -> HttpResponse:
    """/sw.js: the service worker, served from the root so that its scope is the
    whole portal; never cached by HTTP, so a deploy is seen on the next visit."""
    response = HttpResponse(
        service_worker_script(), content_type="text/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/"
    patch_cache_control(response, no_cache=True, max_age=0)
    return response
