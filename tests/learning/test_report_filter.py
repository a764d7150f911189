"""The report's filter: a secretary picks an organisation from the tree of their
scope (indented by depth), and the report opens on this year's compulsory courses."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


class Options(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.options: list[tuple[str, str]] = []
        self._select = self._value = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self._select = attrs.get("name")
        if tag == "option" and self._select == "organisation":
            self._value = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._value is not None:
            self.options.append((self._value, data))
            self._value = None


def test_a_secretary_picks_from_their_subtree(client_for, tree):
    secretary = factories.org_admin(organisation=tree["sub1"], username="secretary")
    html = client_for(secretary).get(reverse("learning_report")).content.decode()
    options = dict(Options(html).options)
    assert {"S1", "C1", "B1"} <= options.keys()
    assert not {"D", "S2", "C2", "B2"} & options.keys()
    # indented by depth below the secretary's root
    assert options["C1"].startswith("\u3000") and options["B1"].startswith(
        "\u3000\u3000"
    )
    assert not options["S1"].startswith("\u3000")


def test_the_report_opens_on_this_years_compulsory_course(
    client_for, editor, tree, section
):
    factories.member(organisation=tree["branch1"], username="zhang")
    course = factories.course(section, title="学习二十届三中全会精神")
    factories.course(section, title="选修课", category="elective")
    html = client_for(editor).get(reverse("learning_report")).content.decode()
    assert "课程：学习二十届三中全会精神" in html
    assert "本年度必修课程" in html and "选修课</a>" not in html
    chosen = client_for(editor).get(
        reverse("learning_report"), {"organisation": "D", "year": "2026"}
    )
    assert "年度学时" in chosen.content.decode()
    assert course.pk
