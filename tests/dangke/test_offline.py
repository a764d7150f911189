"""Nothing leaves the network: no portal, admin or API-docs page makes the browser
ask another host for anything (images, scripts, styles, fonts, avatars, preconnects,
version checks), since the platform runs where nothing outside is reachable."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders

from tests import factories

OWN_HOSTS = {"", "testserver"}
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""")
# Attributes whose URL the browser fetches by itself.
FETCHED = {"src", "srcset", "poster", "data", "imagesrcset", "background"}
# <link rel=...> kinds that fetch (or open a connection) when the page loads.
LINK_FETCHES = {
    "stylesheet",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "preconnect",
    "dns-prefetch",
    "preload",
    "prefetch",
    "modulepreload",
    "manifest",
}


def foreign(url: str) -> bool:
    """An absolute (or protocol-relative) URL naming a host other than ours."""
    url = url.strip()
    if url.startswith(("data:", "blob:", "#")):
        return False
    parts = urlsplit(url)
    return bool(parts.netloc) and parts.hostname not in OWN_HOSTS


class Fetches(HTMLParser):
    """Every URL a page makes the browser fetch, and the stylesheets it links."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.stylesheets: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if not value:
                continue
            if name in FETCHED:
                candidates = value.split(",") if "srcset" in name else [value]
                self.urls += [
                    (f"<{tag} {name}>", candidate.split()[0])
                    for candidate in candidates
                    if candidate.strip()
                ]
            if name == "style":
                self.urls += [(f"<{tag} style>", u) for u in CSS_URL.findall(value)]
            if name == "data-controller" and "w-upgrade" in value.split():
                # Wagtail's upgrade check fetches releases.wagtail.org from script.
                self.urls.append(("upgrade check", "https://releases.wagtail.org/"))
        if tag == "link" and attrs.get("href"):
            rels = set((attrs.get("rel") or "").lower().split())
            if rels & LINK_FETCHES:
                self.urls.append((f"<link rel={attrs.get('rel')}>", attrs["href"]))
            if "stylesheet" in rels:
                self.stylesheets.append(attrs["href"])
        if tag == "style":
            self.in_style = True

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.urls += [("<style>", u) for u in CSS_URL.findall(data)]


def stylesheet_urls(href: str) -> list[tuple[str, str]]:
    """The url()s and @imports of one of our static stylesheets."""
    path = urlsplit(href).path
    if not path.startswith("/static/"):
        return []
    found = finders.find(path.removeprefix("/static/"))
    if not found:
        return []
    text = open(found, encoding="utf-8", errors="replace").read()
    return [(f"{path} url()", url) for url in CSS_URL.findall(text)]


def outside_requests(html: str) -> list[tuple[str, str]]:
    parser = Fetches()
    parser.feed(html)
    urls = list(parser.urls)
    for href in parser.stylesheets:
        urls += stylesheet_urls(href)
    return [(where, url) for where, url in urls if foreign(url)]


@pytest.fixture
def site_content(home_page, tree):
    section = factories.section(home_page, title="微党课", slug="lessons")
    lesson = factories.lesson(section, title="党史里的初心")
    course = factories.course(section, title="党章学习", lessons=[lesson])
    member = factories.member(organisation=tree["branch1"], username="reader")
    return {"section": section, "lesson": lesson, "course": course, "member": member}


def assert_nothing_outside(client, urls: list[str]) -> None:
    problems = {}
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code == 200, (url, response.status_code)
        found = outside_requests(response.content.decode())
        if found:
            problems[url] = found
    assert problems == {}


def test_portal_pages_ask_no_other_host(client, site_content, client_for):
    lesson, course = site_content["lesson"], site_content["course"]
    anonymous = [
        "/",
        site_content["section"].url,
        course.url,
        lesson.url,
        "/search/?q=党史",
        "/login/",
        "/sites/",
    ]
    assert_nothing_outside(client, anonymous)
    member = client_for(site_content["member"].user)
    assert_nothing_outside(member, ["/", lesson.url, "/me/archive/"])


def test_admin_pages_and_api_docs_ask_no_other_host(
    site_content, client_for, django_user_model
):
    # An e-mail address: Wagtail would otherwise show its Gravatar.
    boss = django_user_model.objects.create_superuser("boss", "boss@example.org", "pw")
    lesson = site_content["lesson"]
    assert_nothing_outside(
        client_for(boss),
        [
            "/admin/",
            f"/admin/pages/{lesson.get_parent().pk}/",
            f"/admin/pages/{lesson.pk}/edit/",
            "/admin/users/",
            "/admin/account/",
            "/admin/images/",
            "/admin/documents/",
            "/admin/learning/reports/",
            "/admin/audit/",
            "/api/v3/docs/",
        ],
    )


@pytest.mark.parametrize(
    ("html", "found"),
    [
        ('<img src="https://www.gravatar.com/avatar/x">', True),
        ('<img src="//www.gravatar.com/avatar/x">', True),
        ('<img srcset="/a.png 1x, https://cdn.example/b.png 2x">', True),
        ('<link rel="preconnect" href="https://fonts.example">', True),
        ("<div style=\"background: url('https://cdn.example/x.png')\">", True),
        ("<style>@import 'https://cdn.example/x.css';</style>", True),
        ('<div data-controller="w-upgrade w-dismissible"></div>', True),
        ('<img src="/media/images/x.png"><a href="https://example.org/">', False),
        (
            '<img src="http://testserver/x.png"><img src="data:image/png;base64,">',
            False,
        ),
    ],
)
def test_the_scanner_sees_each_kind_of_outside_request(html, found):
    assert bool(outside_requests(html)) is found
