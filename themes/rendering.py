"""Which theme a request is served with, and the portal's own pages rendered in it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import select_template
from django.template.response import TemplateResponse

from themes.registry import DEFAULT_THEME, Theme, theme_get

ELDER_COOKIE = "dk_elder"
ELDER_COOKIE_AGE = 365 * 24 * 3600


def theme_for_request(request: HttpRequest) -> Theme:
    """The theme of the request's Wagtail Site, with the site's branding applied
    (memoised on the request)."""
    cached = getattr(request, "_dangke_theme", None)
    if cached is not None:
        return cached
    from themes.models import PortalTheme

    theme = theme_get(DEFAULT_THEME)
    try:
        setting = PortalTheme.for_request(request)
    except Exception:  # noqa: BLE001 — no Site matches (e.g. an unknown host)
        setting = None
    if setting is not None:
        logo_url = ""
        if setting.logo_id:
            logo_url = setting.logo.get_rendition("height-96").url
        theme = theme_get(setting.theme).with_overrides(
            site_name=setting.site_name,
            logo_url=logo_url,
            primary=setting.primary,
            accent=setting.accent,
        )
    request._dangke_theme = theme
    return theme


def theme_templates(theme: Theme, name: str) -> list[str]:
    """Where ``name`` is looked up: the theme's directory, then the default's."""
    names = [f"themes/{theme.key}/{name}"]
    if theme.key != DEFAULT_THEME:
        names.append(f"themes/{DEFAULT_THEME}/{name}")
    return names


def theme_template(request: HttpRequest, name: str):
    return select_template(theme_templates(theme_for_request(request), name))


def elder_mode(request: HttpRequest) -> bool:
    """长辈模式, remembered in a cookie (it works before signing in, too)."""
    return request.COOKIES.get(ELDER_COOKIE) == "1"


def render_portal(
    request: HttpRequest, name: str, context: dict[str, Any] | None = None, **kwargs
) -> TemplateResponse:
    """A portal page: ``name`` from the request's theme (or the default theme)."""
    return TemplateResponse(
        request,
        theme_templates(theme_for_request(request), name),
        context or {},
        **kwargs,
    )
