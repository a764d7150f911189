"""The index follows the content: publishing, unpublishing, moving, deleting,
restrictions, lecturers and videos queue a task after commit; search_reindex
rebuilds everything."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from wagtail.models import PageViewRestriction

from search.backends.base import SearchQuery
from search.selectors import search_run
from tests import factories

pytestmark = pytest.mark.django_db


def found(query: str, **filters) -> list[str]:
    return [
        hit.ref for hit in search_run(query=SearchQuery(text=query, **filters)).hits
    ]


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run what the handlers queued, as a real commit would."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def test_publish_indexes_and_unpublish_removes(backend_name, section, after_commit):
    with after_commit() as callbacks:
        lesson = factories.lesson(section, title="延安精神永放光芒", summary="延安时期")
    assert callbacks, "publishing queued nothing"
    assert f"lesson:{lesson.slug}" in found("延安精神")
    with after_commit():
        lesson.unpublish()
    assert found("延安精神") == []


def test_u_umlaut_in_pinyin_is_found_as_v_and_as_u(backend_name, section, after_commit):
    with after_commit():
        lesson = factories.lesson(section, title="绿色发展理念")
    for query in ("lvse", "luse", "lüse"):
        results = search_run(query=SearchQuery(text=query))
        assert results.match == "all", query  # found as typed, not as a suggestion
        assert f"lesson:{lesson.slug}" in [hit.ref for hit in results.hits], query


def test_draft_is_never_indexed(backend_name, section, after_commit):
    with after_commit():
        factories.lesson(section, title="遵义会议草稿", live=False)
    assert found("遵义会议") == []


def test_delete_removes(backend_name, section, after_commit):
    with after_commit():
        lesson = factories.lesson(section, title="井冈山斗争")
    assert found("井冈山")
    with after_commit():
        lesson.delete()
    assert found("井冈山") == []


def test_move_under_a_restricted_section_removes(
    backend_name, home_page, section, after_commit
):
    private = factories.section(home_page, title="内部学习", slug="private")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.LOGIN
    )
    with after_commit():
        lesson = factories.lesson(section, title="西柏坡精神")
    assert found("西柏坡")
    with after_commit():
        lesson.move(private, pos="last-child")
    assert found("西柏坡") == []
    with after_commit():
        lesson.refresh_from_db()
        section.refresh_from_db()
        lesson.move(section, pos="last-child")
    assert found("西柏坡") == [f"lesson:{lesson.slug}"]


def test_restricting_a_section_removes_its_pages(backend_name, section, after_commit):
    with after_commit():
        factories.lesson(section, title="红船精神")
    assert found("红船")
    with after_commit():
        restriction = PageViewRestriction.objects.create(
            page=section, restriction_type=PageViewRestriction.LOGIN
        )
    assert found("红船") == []
    with after_commit():
        restriction.delete()
    assert found("红船")


def test_lesson_waits_for_its_video(backend_name, section, after_commit):
    asset = factories.video_asset(title="素材", status="transcoding")
    with after_commit():
        lesson = factories.lesson(section, title="长征精神", video=asset)
    assert found("长征") == []
    with after_commit():  # the first run publishes version 1
        asset.status = "ready"
        asset.published_version = asset.last_version = 1
        asset.save()
    assert found("长征") == [f"lesson:{lesson.slug}"]


def test_a_failed_rerun_keeps_a_playing_lesson_searchable(
    backend_name, section, after_commit
):
    """The one readiness rule: a lesson is searchable while its video plays, and a
    re-run that fails leaves the published version playing."""
    asset = factories.video_asset(
        title="素材", status="ready", published_version=1, last_version=1
    )
    with after_commit():
        lesson = factories.lesson(section, title="长征精神", video=asset)
    assert found("长征") == [f"lesson:{lesson.slug}"]
    with after_commit():
        asset.status = "failed"
        asset.last_version = 2
        asset.error = "第 2 次处理失败"
        asset.save()
    assert found("长征") == [f"lesson:{lesson.slug}"]


def test_a_video_that_never_played_keeps_its_lesson_out(
    backend_name, section, after_commit
):
    asset = factories.video_asset(title="素材", status="failed", error="不是视频")
    with after_commit():
        factories.lesson(section, title="长征精神", video=asset)
    assert found("长征") == []


def test_lecturer_changes_reach_the_lecturer_and_lessons(
    backend_name, section, after_commit
):
    with after_commit():
        lecturer = factories.lecturer(name="孙志远", specialties="党史")
        lesson = factories.lesson(section, title="抗战精神", lecturer=lecturer)
    assert found("孙志远")[:2] == ["lecturer:孙志远", f"lesson:{lesson.slug}"]
    with after_commit():
        lecturer.name = "孙远志"
        lecturer.save()
    assert found("孙志远") == []
    assert set(found("孙远志")) == {"lecturer:孙远志", f"lesson:{lesson.slug}"}
    with after_commit():
        lecturer.delete()
    assert found("孙远志") == []


def test_topic_and_course_links_reach_lessons(
    backend_name, home_page, section, after_commit
):
    from cms.models import TopicCourse, TopicPage

    with after_commit():
        lesson = factories.lesson(section, title="塞罕坝精神")
        course = factories.course(section, title="生态文明课程", lessons=[lesson])
        topic = TopicPage(title="生态文明专题", slug="eco-topic")
        topic.topic_courses = [TopicCourse(course=course)]
        home_page.add_child(instance=topic)
        topic.save_revision().publish()
    results = search_run(query=SearchQuery(text="塞罕坝", topic="eco-topic"))
    assert [hit.ref for hit in results.hits] == [
        f"lesson:{lesson.slug}",
        f"course:{course.slug}",  # its body lists the lesson titles
    ]
    assert results.hits[0].topics == (("eco-topic", "生态文明专题"),)
    with after_commit():
        topic.unpublish()
    assert found("塞罕坝", topic="eco-topic") == []
    assert found("塞罕坝", kind="lesson") == [f"lesson:{lesson.slug}"]


def test_sync_task_is_safe_to_run_twice(backend_name, section):
    from search import tasks

    lesson = factories.lesson(section, title="北大荒精神")
    first = tasks.search_pages_sync_task.delay([lesson.pk]).get()
    second = tasks.search_pages_sync_task.delay([lesson.pk]).get()
    assert first == second == {"indexed": 1, "removed": 0}
    assert found("北大荒") == [f"lesson:{lesson.slug}"]


def test_search_reindex_rebuilds_with_a_progress_bar(backend_name, section):
    lesson = factories.lesson(section, title="雷锋精神")
    factories.lecturer(name="周红梅")
    assert found("雷锋") == []  # published without a commit: nothing queued ran
    out, err = io.StringIO(), io.StringIO()
    call_command("search_reindex", stdout=out, stderr=err)
    assert "search index rebuilt: 2 documents" in out.getvalue()
    assert "检索索引 [" in err.getvalue() and "2/2" in err.getvalue()
    assert found("雷锋") == [f"lesson:{lesson.slug}"]
    assert found("zhouhongmei") == ["lecturer:周红梅"]
    lesson.delete()
    call_command("search_reindex", stdout=out, stderr=err)
    assert found("雷锋") == []


def test_title_outranks_summary_outranks_body(backend_name, section, after_commit):
    filler = "。".join(["学习贯彻会议精神推动工作落实"] * 3)
    with after_commit():
        in_body = factories.lesson(
            section, title="第一课", summary=filler, body=f"<p>{filler}古田会议</p>"
        )
        in_summary = factories.lesson(
            section,
            title="第二课",
            summary=f"{filler}古田会议",
            body=f"<p>{filler}</p>",
        )
        in_title = factories.lesson(
            section, title="古田会议", summary=filler, body=f"<p>{filler}</p>"
        )
    assert found("古田会议") == [
        f"lesson:{in_title.slug}",
        f"lesson:{in_summary.slug}",
        f"lesson:{in_body.slug}",
    ]


def test_subtitles_make_a_lesson_findable_by_what_is_said(
    backend_name, section, after_commit
):
    from media_pipeline.services import subtitle_attach

    video = factories.video_asset(
        title="字幕视频", status="ready", published_version=1, last_version=1
    )
    with after_commit():
        lesson = factories.lesson(section, title="一堂微党课", video=video)
    assert found("古田会议") == []
    srt = "1\n00:00:01,000 --> 00:00:03,000\n今天我们讲<i>古田会议</i>的故事\n"
    with after_commit():
        subtitle = subtitle_attach(asset=video, raw=srt.encode())
    assert found("古田会议") == [f"lesson:{lesson.slug}"]
    with after_commit():
        subtitle.delete()
    assert found("古田会议") == []


def test_a_draft_teaching_site_name_never_reaches_search_through_vr(section):
    from cms.models import TeachingSitePage, VRCoursewarePage
    from search import documents
    from search.services import search_dependent_page_ids

    site = TeachingSitePage(
        title="秘密教学点甲乙",
        slug="secret-site",
        address="某地",
        latitude=23,
        longitude=113,
        live=False,
    )
    section.add_child(instance=site)
    vr = VRCoursewarePage(
        title="全景课件丙丁", slug="vr-x", kind="station", teaching_site=site
    )
    section.add_child(instance=vr)
    vr.save_revision().publish()
    assert (
        "秘密教学点" not in documents._vr(VRCoursewarePage.objects.get(pk=vr.pk)).body
    )
    site.save_revision().publish()
    assert (
        "秘密教学点甲乙" in documents._vr(VRCoursewarePage.objects.get(pk=vr.pk)).body
    )
    # Publishing or changing the site re-indexes the VR courseware that shows it.
    assert vr.pk in search_dependent_page_ids(page_ids=[site.pk])
