"""Admin: asset list, "process again", lesson editor state, publish blocked."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from media_pipeline.models import VideoAsset
from tests import factories

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/snippets/media_pipeline/videoasset/"


def test_asset_list_shows_state_progress_duration_and_errors(client_for, editor):
    factories.video_asset(title="转码中的课", status="transcoding", progress=37)
    factories.video_asset(
        title="坏文件", status="failed", error="文件格式不被允许：HLS 播放列表"
    )
    factories.video_asset(title="好课", status="ready", duration=12.5)
    html = client_for(editor).get(LIST_URL).content.decode()
    assert "转码中 37%" in html
    assert "文件格式不被允许：HLS 播放列表" in html
    assert "12.5" in html and "可播放" in html
    assert "重新处理" in html


def test_process_again(
    client_for, editor, django_capture_on_commit_callbacks, monkeypatch
):
    asset = factories.video_asset(
        status="failed", error="旧错误", published_version=None
    )
    queued = []
    monkeypatch.setattr(
        "media_pipeline.tasks.video_asset_probe_task.delay",
        lambda pk: queued.append(pk),
    )
    url = f"/admin/media/assets/{asset.pk}/reprocess/"
    client = client_for(editor)
    assert "重新处理" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"next": LIST_URL})
    assert response.status_code == 302 and response["Location"] == LIST_URL
    asset.refresh_from_db()
    assert asset.status == VideoAsset.Status.UPLOADED and asset.error == ""
    assert queued == [asset.pk]


def test_lecturers_reprocess_only_their_own(client_for, lecturer_user):
    mine = factories.video_asset(title="我的", uploaded_by=lecturer_user)
    theirs = factories.video_asset(title="别人的", status="failed", error="坏")
    client = client_for(lecturer_user)
    assert client.get(f"/admin/media/assets/{mine.pk}/reprocess/").status_code == 200
    response = client.post(f"/admin/media/assets/{theirs.pk}/reprocess/")
    # Wagtail's admin answers PermissionDenied with a redirect to the dashboard.
    assert response.status_code == 302 and response["Location"] == "/admin/"
    theirs.refresh_from_db()
    assert theirs.status == VideoAsset.Status.FAILED


def test_asset_edit_view_shows_processing_state(client_for, editor):
    asset = factories.video_asset(title="x", status="failed", error="检测超时")
    html = client_for(editor).get(f"{LIST_URL}edit/{asset.pk}/").content.decode()
    assert "处理状态" in html and "检测超时" in html and "失败" in html


def _lesson_form(lesson, asset) -> dict:
    return nested_form_data(
        {
            "title": lesson.title,
            "slug": lesson.slug,
            "video": asset.pk,
            "summary": "",
            "duration": 0,
            "body": rich_text(""),
            "courseware": inline_formset([]),
            "tags": "",
            "action-publish": "action-publish",
        }
    )


def test_lesson_editor_shows_the_assets_state(client_for, editor, section):
    asset = factories.video_asset(title="讲话", status="transcoding", progress=55)
    lesson = factories.lesson(section, live=False, video=asset)
    html = client_for(editor).get(f"/admin/pages/{lesson.pk}/edit/").content.decode()
    assert "讲话（转码中 55%）" in html


def test_publishing_a_lesson_with_an_unready_asset_is_blocked(
    client_for, editor, section
):
    asset = factories.video_asset(title="未完成", status="transcoding", progress=10)
    lesson = factories.lesson(section, live=False, video=asset)
    client = client_for(editor)
    response = client.post(
        f"/admin/pages/{lesson.pk}/edit/", _lesson_form(lesson, asset)
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/admin/pages/{lesson.pk}/edit/")
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("无法发布" in m and "未完成" in m for m in messages), messages
    lesson.refresh_from_db()
    assert not lesson.live

    VideoAsset.objects.filter(pk=asset.pk).update(status="ready", published_version=1)
    response = client.post(
        f"/admin/pages/{lesson.pk}/edit/", _lesson_form(lesson, asset)
    )
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.live


def test_bulk_publishing_refuses_a_lesson_with_an_unready_asset(
    client_for, editor, section
):
    ready = factories.lesson(section, live=False, title="可播放")
    asset = factories.video_asset(title="未完成", status="transcoding", progress=10)
    lesson = factories.lesson(section, live=False, video=asset)
    for page in (ready, lesson):
        page.save_revision()
    client = client_for(editor)
    url = (
        f"/admin/bulk/wagtailcore/page/publish/?id={ready.pk}&id={lesson.pk}"
        f"&next=/admin/pages/{section.pk}/"
    )
    response = client.post(url, {"include_descendants": ""})
    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("无法批量发布" in m and "未完成" in m for m in messages), messages
    ready.refresh_from_db()
    lesson.refresh_from_db()
    assert not ready.live and not lesson.live  # all or nothing

    VideoAsset.objects.filter(pk=asset.pk).update(status="ready", published_version=1)
    response = client.post(url, {"include_descendants": ""})
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.live


def test_subtitle_upload_in_admin_converts_srt(client_for, editor, lecturer_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    asset = factories.video_asset(title="带字幕")
    url = "/admin/snippets/media_pipeline/subtitle/add/"
    srt = "1\n00:00:01,000 --> 00:00:02,500\n不忘初心\n".encode()
    response = client_for(editor).post(
        url,
        {
            "asset": asset.pk,
            "language": "zh-hans",
            "label": "简体中文",
            "subtitle_file": SimpleUploadedFile("a.srt", srt),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "00:00:01.000 --> 00:00:02.500" in asset.subtitles.get().content

    # A lecturer may not attach subtitles to someone else's asset.
    response = client_for(lecturer_user).post(
        url,
        {
            "asset": asset.pk,
            "language": "en",
            "label": "English",
            "subtitle_file": SimpleUploadedFile("b.srt", srt),
        },
    )
    assert response.status_code == 200
    assert asset.subtitles.count() == 1


def test_the_video_page_names_the_uploaded_file_and_keeps_titles_clean(
    client_for, editor
):
    asset = factories.video_asset(
        title="讲话", status="transcoding", progress=40, original_filename="党课.mp4"
    )
    html = (
        client_for(editor)
        .get(reverse("wagtailsnippets_media_pipeline_videoasset:edit", args=[asset.pk]))
        .content.decode()
    )
    assert "党课.mp4" in html and "originals/" not in html
    title = html[html.index("<title>") : html.index("</title>")]
    assert "讲话" in title and "转码中" not in title
    assert str(asset) == "讲话"
