"""The portal's app shell: the tab bar of phones (首页 · 学习 · 竞赛 · 档案 · 我的) and
which of its tabs the current page belongs to.

    {% load portal_shell %}{% shell_tabs as tabs %}
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.urls import reverse

register = template.Library()


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    url: str
    icon: str
    # "page" when the request is the tab's own page, "true" when it is a page of the
    # tab's area (aria-current), "" otherwise
    current: str = ""


# The areas by path prefix, longest first: a path belongs to the first that matches.
# Content pages (topics, courses, lessons: Wagtail's) belong to 学习 (see tab_for).
AREAS: tuple[tuple[str, str], ...] = (
    ("/me/archive/", "archive"),
    ("/me/contests/", "contests"),
    ("/me/practice/", "contests"),
    ("/me/wrong-answers/", "contests"),
    ("/live/", "contests"),
    ("/me/quizzes/", "learning"),
    ("/me/attempts/", "learning"),
    ("/me/enrol/", "learning"),
    ("/learn/", "learning"),
    ("/sites/", "learning"),
    ("/me/", "me"),
)


def tab_for(path: str, *, content_page: bool = False) -> str:
    """The key of the tab ``path`` belongs to ("" for none: search, sign-in)."""
    if path == "/":
        return "home"
    for prefix, key in AREAS:
        if path.startswith(prefix):
            return key
    return "learning" if content_page else ""


@register.simple_tag(takes_context=True)
def shell_tabs(context) -> list[Tab]:
    """The five tabs, the current one marked."""
    request = context.get("request")
    path = request.path if request is not None else ""
    page = context.get("page")
    area = tab_for(path, content_page=getattr(page, "depth", 0) > 2)
    tabs = [
        ("home", "首页", "/", "home"),
        ("learning", "学习", reverse("portal:learning"), "book"),
        ("contests", "竞赛", reverse("portal:contests"), "trophy"),
        ("archive", "档案", reverse("portal:archive"), "archive"),
        ("me", "我的", reverse("portal:me"), "user"),
    ]
    return [
        Tab(
            key,
            label,
            url,
            icon,
            ("page" if path == url else "true") if key == area else "",
        )
        for key, label, url, icon in tabs
    ]
