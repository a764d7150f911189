"""The admin speaks Chinese (LANGUAGE_CODE) whatever the browser asks for, unless
the user chose another language in their account; "no permission" pages too."""

from __future__ import annotations

import re

import pytest
from wagtail.users.models import UserProfile

pytestmark = pytest.mark.django_db


def _lang(response) -> str:
    return re.search(r'<html[^>]* lang="([^"]+)"', response.content.decode()).group(1)


def test_an_english_browser_gets_the_admin_in_chinese(client_for, editor):
    response = client_for(editor).get("/admin/", HTTP_ACCEPT_LANGUAGE="en-US,en")
    assert response.status_code == 200
    assert _lang(response) == "zh-hans"


def test_a_user_who_chose_english_gets_english(client_for, editor):
    profile = UserProfile.get_for_user(editor)
    profile.preferred_language = "en"
    profile.save()
    response = client_for(editor).get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert _lang(response) == "en"


def test_no_permission_is_said_in_chinese(client_for, member_user):
    response = client_for(member_user).get(
        "/admin/", HTTP_ACCEPT_LANGUAGE="en-US,en", follow=True
    )
    html = response.content.decode()
    assert _lang(response) == "zh-hans"
    assert "You do not have permission" not in html
    assert "权限" in html
