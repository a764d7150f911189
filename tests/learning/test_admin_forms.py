"""The admin's member and organisation-admin forms name an account by its username,
within the organisation admin's scope: no list of every account."""

from __future__ import annotations

from django.urls import reverse

from learning.models import Member
from tests import factories


def _member_form(username: str, organisation) -> dict:
    return {
        "user": username,
        "name": "新党员",
        "organisation": organisation.pk,
        "member_type": "regular",
        "join_date": "",
    }


def test_the_member_form_lists_no_accounts(secretary, editor, client_for, people):
    factories.user("newbie")
    for user in (secretary, editor):
        html = client_for(user).get(reverse("members:add")).content.decode()
        assert 'name="user"' in html
        for username in ("wang", "zhang", "newbie", "editor"):
            assert f">{username}<" not in html, (user.username, username)


def test_a_secretary_names_only_accounts_outside_other_subtrees(
    secretary, client_for, people, tree
):
    factories.user("newbie")
    client = client_for(secretary)
    refused = client.post(reverse("members:add"), _member_form("wang", tree["branch1"]))
    assert refused.status_code == 200
    assert "用户名不存在，或不在您管理的范围内" in refused.content.decode()
    assert Member.objects.get(user__username="wang").organisation == tree["branch2"]
    factories.user("staffer", is_staff=True)
    staff = client.post(
        reverse("members:add"), _member_form("staffer", tree["branch1"])
    )
    assert "用户名不存在，或不在您管理的范围内" in staff.content.decode()
    created = client.post(
        reverse("members:add"), _member_form("newbie", tree["branch1"])
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    assert Member.objects.get(user__username="newbie").organisation == tree["branch1"]


def test_editors_name_any_account_and_see_it_when_editing(
    editor, client_for, people, tree
):
    factories.user("newbie")
    client = client_for(editor)
    created = client.post(
        reverse("members:add"), _member_form("newbie", tree["branch2"])
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    member = Member.objects.get(user__username="newbie")
    html = client.get(reverse("members:edit", args=[member.pk])).content.decode()
    assert 'value="newbie"' in html


def test_a_training_session_offers_only_public_lessons(
    secretary, editor, client_for, section, submissions_area
):
    factories.lesson(section, title="公开 publiclesson")
    factories.lesson(section, title="草稿 draftsecret", live=False)
    factories.lesson(submissions_area, title="讲师投稿 submissionsecret", live=False)
    for user in (secretary, editor):
        html = client_for(user).get(reverse("training_classes:add")).content.decode()
        assert "publiclesson" in html, user.username
        assert "draftsecret" not in html and "submissionsecret" not in html
