"""The organiser's admin: competitions and rounds (rubric, judges) for 编辑; the
round pages (standings, close, release) check their own rule; judges are told."""

from __future__ import annotations

import pytest

from competitions import services
from competitions.models import Round
from notices.models import Notice

pytestmark = pytest.mark.django_db


def test_editors_set_up_and_run_rounds_in_the_admin(
    competition, preliminary, final, judges, editor, client_for
):
    client = client_for(editor)
    for url in (
        "/admin/competitions/",
        f"/admin/competitions/edit/{competition.pk}/",
        "/admin/competition_rounds/",
        "/admin/competition_rounds/new/",
        f"/admin/competition_rounds/edit/{preliminary.pk}/",
        "/admin/competition-rounds/",
    ):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/admin/competition-rounds/{preliminary.pk}/results/")
    assert page.status_code == 200 and "结束本赛段" in page.content.decode()
    closed = client.post(
        f"/admin/competition-rounds/{preliminary.pk}/results/", {"action": "close"}
    )
    assert closed.status_code == 302
    assert Round.objects.get(pk=preliminary.pk).status == Round.Status.CLOSED
    client.post(
        f"/admin/competition-rounds/{preliminary.pk}/results/", {"action": "release"}
    )
    assert Round.objects.get(pk=preliminary.pk).released_at is not None


def test_others_are_kept_out_of_the_round_pages(
    preliminary, lecturer_user, member, client_for
):
    for user in (lecturer_user, member.user):
        client = client_for(user)
        for url in (
            "/admin/competition-rounds/",
            f"/admin/competition-rounds/{preliminary.pk}/results/",
        ):
            assert client.get(url).status_code in (302, 403), (user, url)
        client.post(
            f"/admin/competition-rounds/{preliminary.pk}/results/", {"action": "close"}
        )
    assert Round.objects.get(pk=preliminary.pk).status == Round.Status.OPEN


def test_judges_are_told_with_a_reminder_before_the_round_closes(final, judges):
    assert services.judges_notify(round=final) == len(judges)
    notice = Notice.objects.get(
        recipient=judges[0], topic=f"competitions.judge:{final.pk}"
    )
    assert notice.remind_at == final.closes_at - services.REMIND_BEFORE
    assert notice.link == f"/me/competitions/rounds/{final.pk}/judge/"
