"""A lecturer's submission, approved and placed, is a lesson members learn from:
its duration comes from its video whichever way the two came together, and it
lives where the editor placed it (URL, breadcrumb), not under 讲师投稿."""

from __future__ import annotations

from django.urls import reverse
from wagtail.models import WorkflowState

from cms.models import CourseLesson, MicroLessonPage
from tests import factories
from tests.helpers import add_url, lesson_form, watch


def _submit(client, area, video, slug="practice", title="社区党建新实践"):
    response = client.post(
        add_url(area),
        lesson_form(
            title, slug, video=str(video.pk), duration="0", **{"action-submit": "1"}
        ),
    )
    assert response.status_code == 302, response.content[:2000]
    lesson = MicroLessonPage.objects.get(slug=slug, path__startswith=area.path)
    state = WorkflowState.objects.get(object_id=str(lesson.pk))
    return lesson, state.current_task_state


def _approve_url(lesson, task_state):
    return reverse(
        "wagtailadmin_pages:workflow_action",
        args=[lesson.pk, "approve", task_state.pk],
    )


def test_an_approved_submission_with_a_ready_video_earns_progress(
    client_for, lecturer_user, editor, submissions_area, section, member, ready_video
):
    course = factories.course(section, title="基层治理")
    lesson, task_state = _submit(
        client_for(lecturer_user), submissions_area, ready_video
    )
    assert lesson.duration == 125  # the draft already has its video's duration

    editor_client = client_for(editor)
    modal = editor_client.get(_approve_url(lesson, task_state))
    assert modal.status_code == 200
    assert "课程：微党课 › 基层治理" in modal.json()["html"]
    response = editor_client.post(
        _approve_url(lesson, task_state),
        {"comment": "同意", "destination": f"course:{course.pk}"},
    )
    assert response.status_code == 302

    lesson = MicroLessonPage.objects.get(pk=lesson.pk)
    assert lesson.live and lesson.duration == 125
    assert lesson.get_parent().pk == section.pk
    assert lesson.url_path.startswith(section.url_path)
    assert CourseLesson.objects.filter(course=course, lesson=lesson).exists()
    # the course's next publication keeps the lesson
    course.refresh_from_db()
    course.get_latest_revision().publish()
    assert CourseLesson.objects.filter(course=course, lesson=lesson).exists()

    page = client_for(member.user).get(lesson.url).content.decode()
    crumbs = page[page.index('class="crumbs"') :].split("</p>")[0]
    assert "讲师投稿" not in crumbs and "/submissions/" not in lesson.url
    assert f'href="{section.url}"' in crumbs and f'href="{course.url}"' in crumbs

    answer = watch(member, lesson, 0, 60)
    assert answer.watched_ratio >= 0.4 and answer.resume_position == 60


def test_approving_without_a_choice_places_the_lesson_in_the_first_section(
    client_for, lecturer_user, editor, submissions_area, section, ready_video
):
    lesson, task_state = _submit(
        client_for(lecturer_user), submissions_area, ready_video
    )
    client_for(editor).post(_approve_url(lesson, task_state), {"comment": ""})
    lesson = MicroLessonPage.objects.get(pk=lesson.pk)
    assert lesson.live and lesson.get_parent().pk == section.pk


def test_a_taken_slug_gets_a_number_when_placed(
    client_for, lecturer_user, editor, submissions_area, section, ready_video
):
    section.add_child(instance=MicroLessonPage(title="同名", slug="practice"))
    lesson, task_state = _submit(
        client_for(lecturer_user), submissions_area, ready_video
    )
    client_for(editor).post(
        _approve_url(lesson, task_state),
        {"comment": "", "destination": f"section:{section.pk}"},
    )
    lesson = MicroLessonPage.objects.get(pk=lesson.pk)
    assert lesson.live and lesson.slug == "practice-2"
    assert lesson.get_parent().pk == section.pk
