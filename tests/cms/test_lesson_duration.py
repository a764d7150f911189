"""A lesson has its video's duration however the two came together (a ready video
attached, a revision published, a submission approved, a copy), so members' beats
are credited; publishing with a video that cannot play is refused, naming it."""

from __future__ import annotations

from django.urls import reverse
from wagtail.models import WorkflowState

from cms.models import MicroLessonPage
from tests import factories
from tests.helpers import add_url, lesson_form, watch


def test_a_submission_with_a_ready_video_is_credited_once_approved(
    client_for, lecturer_user, editor, submissions_area, member, ready_video
):
    response = client_for(lecturer_user).post(
        add_url(submissions_area),
        lesson_form(
            "社区党建新实践",
            "practice",
            video=str(ready_video.pk),
            duration="0",
            **{"action-submit": "1"},
        ),
    )
    assert response.status_code == 302
    lesson = MicroLessonPage.objects.get(slug="practice")
    task_state = WorkflowState.objects.get(object_id=str(lesson.pk)).current_task_state
    client_for(editor).post(
        reverse(
            "wagtailadmin_pages:workflow_action",
            args=[lesson.pk, "approve", task_state.pk],
        ),
        {"comment": "同意"},
    )
    lesson = MicroLessonPage.objects.get(pk=lesson.pk)
    assert lesson.live and lesson.duration == 125

    answer = watch(member, lesson, 0, 60)
    assert answer.watched_ratio >= 0.4 and answer.resume_position == 60


def test_a_revision_published_with_a_ready_video_takes_its_duration(
    section, ready_video
):
    lesson = factories.lesson(section, video=ready_video)
    assert MicroLessonPage.objects.get(pk=lesson.pk).duration == 125
    # an editor's own figure is kept
    own = factories.lesson(section, video=ready_video, duration=100)
    assert MicroLessonPage.objects.get(pk=own.pk).duration == 100


def test_switching_to_another_ready_video_takes_the_new_duration(section, ready_video):
    lesson = factories.lesson(section, video=ready_video)
    other = factories.video_asset(
        title="新视频", status="ready", published_version=1, duration=300.0
    )
    draft = lesson.get_latest_revision_as_object()
    draft.video = other
    draft.save_revision().publish()
    assert MicroLessonPage.objects.get(pk=lesson.pk).duration == 300


def test_a_copied_lesson_keeps_its_duration(section, ready_video, editor):
    lesson = factories.lesson(section, video=ready_video)
    copy = lesson.copy(
        update_attrs={"slug": "copy", "title": "副本"}, keep_live=True, user=editor
    )
    assert MicroLessonPage.objects.get(pk=copy.pk).duration == 125


def test_publishing_with_a_video_that_cannot_play_is_refused_naming_it(
    client_for, editor, section
):
    asset = factories.video_asset(title="坏视频", status="failed", error="不是视频")
    response = client_for(editor).post(
        add_url(section),
        lesson_form(
            "失败的视频", "failed", video=str(asset.pk), **{"action-publish": "1"}
        ),
        follow=True,
    )
    lesson = MicroLessonPage.objects.get(slug="failed")
    assert not lesson.live
    assert "视频「坏视频」" in response.content.decode()
