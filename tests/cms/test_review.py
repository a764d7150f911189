"""Roles and review: lecturers draft and submit lessons, editors approve and publish."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.models import WorkflowState

from cms.models import MicroLessonPage
from tests import factories
from tests.helpers import add_url, lesson_form


@pytest.fixture
def lecturer_client(client_for, lecturer_user):
    return client_for(lecturer_user)


def test_groups_exist_with_the_right_admin_access(editor, lecturer_user, member_user):
    assert editor.has_perm("wagtailadmin.access_admin")
    assert lecturer_user.has_perm("wagtailadmin.access_admin")
    assert not member_user.has_perm("wagtailadmin.access_admin")


def test_lecturer_may_add_lessons_only_in_the_submissions_area(
    lecturer_user, submissions_area, section
):
    assert submissions_area.permissions_for_user(lecturer_user).can_add_subpage()
    assert not section.permissions_for_user(lecturer_user).can_add_subpage()
    assert not submissions_area.permissions_for_user(
        lecturer_user
    ).can_publish_subpage()


def test_lecturer_cannot_create_outside_the_submissions_area(lecturer_client, section):
    response = lecturer_client.post(add_url(section), lesson_form("越权", "outside"))
    assert response.status_code in (302, 403)
    assert not MicroLessonPage.objects.filter(slug="outside").exists()


def test_lecturer_publish_attempt_leaves_the_lesson_unpublished(
    lecturer_client, submissions_area
):
    lecturer_client.post(
        add_url(submissions_area),
        lesson_form("我的微党课", "mine", **{"action-publish": "publish"}),
    )
    lesson = MicroLessonPage.objects.get(slug="mine")
    assert not lesson.live


def test_submission_goes_through_editor_review_to_publication(
    lecturer_client, client_for, editor, lecturer_user, submissions_area, client
):
    response = lecturer_client.post(
        add_url(submissions_area),
        lesson_form("社区党建新实践", "practice", **{"action-submit": "submit"}),
    )
    assert response.status_code == 302, response.content[:2000]
    lesson = MicroLessonPage.objects.get(slug="practice")
    assert lesson.owner == lecturer_user
    assert not lesson.live
    state = WorkflowState.objects.get(
        base_content_type__isnull=False, object_id=str(lesson.pk)
    )
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == "讲师投稿审核"
    assert state.current_task_state.task.name == "编辑审核"

    # Not visible to the public while under review.
    listed = client.get("/api/v3/pages/?type=cms.MicroLessonPage").json()["items"]
    assert listed == []

    # The lecturer can't approve their own submission.
    task_state = state.current_task_state
    approve = reverse(
        "wagtailadmin_pages:workflow_action",
        args=[lesson.pk, "approve", task_state.pk],
    )
    lecturer_client.post(approve, {"comment": ""})
    lesson.refresh_from_db()
    assert not lesson.live

    response = client_for(editor).post(approve, {"comment": "同意发布"})
    assert response.status_code in (200, 302)
    lesson.refresh_from_db()
    assert lesson.live
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED
    listed = client.get("/api/v3/pages/?type=cms.MicroLessonPage").json()["items"]
    assert [item["title"] for item in listed] == ["社区党建新实践"]


def test_lecturer_edits_only_their_own_profile(client_for, lecturer_user):
    own = factories.lecturer(name="陈明华", user=lecturer_user)
    other = factories.lecturer(name="李晓红")
    lecturer_client = client_for(lecturer_user)
    edit = "wagtailsnippets_cms_lecturer:edit"
    assert lecturer_client.get(reverse(edit, args=[own.pk])).status_code == 200
    assert lecturer_client.get(reverse(edit, args=[other.pk])).status_code in (302, 403)
    response = lecturer_client.post(
        reverse(edit, args=[other.pk]), {"name": "被改了", "bio": ""}
    )
    other.refresh_from_db()
    assert other.name == "李晓红"
    assert response.status_code in (302, 403)


def test_editor_may_publish_anywhere(editor, section):
    assert section.permissions_for_user(editor).can_publish_subpage()


def test_lecturer_uploads_a_video_in_the_admin(client_for, lecturer_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from media_pipeline.models import VideoAsset

    response = client_for(lecturer_user).post(
        reverse("wagtailsnippets_media_pipeline_videoasset:add"),
        {
            "title": "我的视频",
            "file": SimpleUploadedFile(
                "../../etc/课.mp4", b"\x00\x00\x00\x18ftypmp42data"
            ),
        },
    )
    assert response.status_code == 302, response.content[:3000]
    asset = VideoAsset.objects.get(title="我的视频")
    assert asset.uploaded_by == lecturer_user
    assert asset.size == 16
    assert len(asset.checksum) == 64
    assert asset.original_filename == "课.mp4"
    assert asset.file.name.startswith("originals/") and ".." not in asset.file.name


def test_an_empty_upload_is_refused_with_a_message(client_for, editor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from media_pipeline.models import VideoAsset

    response = client_for(editor).post(
        reverse("wagtailsnippets_media_pipeline_videoasset:add"),
        {"title": "空文件", "file": SimpleUploadedFile("empty.mp4", b"")},
    )
    assert response.status_code == 200
    assert "文件" in response.content.decode()
    assert not VideoAsset.objects.filter(title="空文件").exists()


def test_lecturer_cannot_relink_their_profile_to_another_account(
    client_for, lecturer_user, editor
):
    own = factories.lecturer(name="陈明华", user=lecturer_user)
    response = client_for(lecturer_user).post(
        reverse("wagtailsnippets_cms_lecturer:edit", args=[own.pk]),
        {"name": "陈明华", "title": "教授", "user": str(editor.pk)},
    )
    assert response.status_code == 302, response.content[:2000]
    own.refresh_from_db()
    assert own.title == "教授"
    assert own.user == lecturer_user


def test_approval_waits_for_a_playable_video(
    lecturer_client, client_for, editor, lecturer_user, submissions_area
):
    asset = factories.video_asset(title="讲课视频", status="transcoding")
    asset.uploaded_by = lecturer_user
    asset.save()
    lecturer_client.post(
        add_url(submissions_area),
        lesson_form(
            "带视频的投稿", "with-video", video=str(asset.pk), **{"action-submit": "1"}
        ),
    )
    lesson = MicroLessonPage.objects.get(slug="with-video")
    state = WorkflowState.objects.get(object_id=str(lesson.pk))
    task_state = state.current_task_state
    task = task_state.task.specific
    draft = lesson.get_latest_revision_as_object()
    assert draft.video == asset
    assert [name for name, *_ in task.get_actions(draft, editor)] == ["reject"]

    approve = reverse(
        "wagtailadmin_pages:workflow_action", args=[lesson.pk, "approve", task_state.pk]
    )
    response = client_for(editor).post(approve, {"comment": ""})
    assert response.status_code in (
        302,
        403,
    )  # the admin turns a refusal into a redirect
    lesson.refresh_from_db()
    assert not lesson.live
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS

    asset.status, asset.published_version = "ready", 1
    asset.save()
    draft = lesson.get_latest_revision_as_object()
    assert "approve" in [name for name, *_ in task.get_actions(draft, editor)]
    client_for(editor).post(approve, {"comment": ""})
    lesson.refresh_from_db()
    assert lesson.live and lesson.video == asset


def test_lecturers_see_and_edit_only_their_own_videos(
    client_for, lecturer_user, editor
):
    own = factories.video_asset(title="我的视频", uploaded_by=lecturer_user)
    other = factories.video_asset(title="别人的视频", uploaded_by=editor)
    client = client_for(lecturer_user)
    listing = client.get(reverse("wagtailsnippets_media_pipeline_videoasset:list"))
    assert "我的视频" in listing.content.decode()
    assert "别人的视频" not in listing.content.decode()
    edit = "wagtailsnippets_media_pipeline_videoasset:edit"
    assert client.get(reverse(edit, args=[own.pk])).status_code == 200
    assert client.get(reverse(edit, args=[other.pk])).status_code in (302, 403)
    editor_listing = (
        client_for(editor)
        .get(reverse("wagtailsnippets_media_pipeline_videoasset:list"))
        .content.decode()
    )
    assert "我的视频" in editor_listing and "别人的视频" in editor_listing
