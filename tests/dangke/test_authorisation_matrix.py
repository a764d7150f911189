"""The authorisation matrix: every role × every operation of the live OpenAPI
document, every portal page and every kind of media URL → the status expected.

One table (``ROWS``) holds the expectation of each row for the roles in ``ROLES``;
one world of real objects (a draft lesson, a group-restricted lesson, an unready
video, another lecturer's submission, a member's own records) is built once and
every row is requested by every role over the test client. Writes run inside a
savepoint that is rolled back, so every request sees the same world.

Besides the statuses, no response to a role may carry what that role must not see:
the titles of drafts, restricted pages and submissions, or another member's name
(searching, suggestions and exports included).

An operation in the OpenAPI document, or a portal URL, without a row fails the
test: a new endpoint has to be classified here. The matrix runs in the PostgreSQL
pass only (about a thousand requests); the coverage check runs in both.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver
from django.utils import timezone
from wagtail.documents.models import Document
from wagtail.models import APIToken, PageViewRestriction

from tests import factories
from tests.services import postgres_only

pytestmark = [pytest.mark.django_db]

ROLES = (
    "anonymous",
    "member",  # 党员 of branch B1 (under S1)
    "other_member",  # 党员 of branch B2 (under S2)
    "lecturer",
    "other_lecturer",  # owns a submission under review
    "editor",
    "other_admin",  # 组织管理员 of S2: not the member's subtree
    "superuser",
)
ANON, MEMBER, OTHER, LECT, LECT2, EDITOR, OADMIN, SUPER = range(8)

# Strings a role must never receive (see ``SECRETS_HIDDEN_FROM``).
DRAFT = "draftsecret 草稿微党课"
RESTRICTED = "restrictedsecret 内部微党课"
SUBMISSION = "submissionsecret 讲师投稿"
MEMBER_NAME = "甲党员membersecret"
SECRETS_HIDDEN_FROM = {
    DRAFT: {ANON, MEMBER, OTHER, LECT, LECT2, OADMIN},
    RESTRICTED: {ANON, MEMBER, OTHER, LECT, LECT2, OADMIN},
    SUBMISSION: {ANON, MEMBER, OTHER, LECT, OADMIN},
    MEMBER_NAME: {ANON, OTHER, LECT, LECT2, OADMIN},
}


def every(status: int) -> tuple[int, ...]:
    return (status,) * len(ROLES)


def but(default: int, **by_role: int) -> tuple[int, ...]:
    """``default`` for every role except those named (``member=200``…)."""
    return tuple(by_role.get(role, default) for role in ROLES)


@dataclass(frozen=True)
class Row:
    """One request: ``kind`` is ``api`` (``name`` is its operationId), ``portal``
    (``name`` is its URL name) or ``media``; ``url`` is formatted with the world's
    ids; ``expect`` gives a status per role in ``ROLES`` order."""

    kind: str
    name: str
    method: str
    url: str
    expect: tuple[int, ...]
    body: dict | None = None
    form: dict | None = None
    headers: dict = field(default_factory=dict)
    operation: str | None = None  # the operationId a media URL is served by
    follow: bool = False  # follow redirects (APPEND_SLASH) to the final answer


def api(op, method, url, expect, body=None, **headers) -> Row:
    return Row("api", op, method, "/api/v3" + url, expect, body=body, headers=headers)


def portal(name, method, url, expect, form=None) -> Row:
    return Row("portal", name, method, url, expect, form=form)


def media(name, url, expect, operation=None, follow=False) -> Row:
    return Row("media", name, "GET", url, expect, operation=operation, follow=follow)


PLAYLIST, FILE = "media_assets_playlist", "media_assets_file"


TUS_BODY = "application/offset+octet-stream"
MEMBERS_ONLY = but(403, anonymous=401, member=200, other_member=200)
SIGNED_IN = but(200, anonymous=401)
TOKEN_ONLY = but(403, anonymous=401)

ROWS: list[Row] = [
    # --- Wagtail pages API (bearer tokens; sessions add nothing) ---------------------
    api("pages_list", "GET", "/pages/?type=cms.MicroLessonPage", every(200)),
    api("pages_list", "GET", "/pages/?search=secret", every(200)),
    api("pages_find", "GET", "/pages/find/?html_path=/lessons/public/", every(302)),
    api("pages_detail", "GET", "/pages/{public}/", every(200)),
    api("pages_detail", "GET", "/pages/{draft}/", but(404, editor=200, superuser=200)),
    api("pages_detail", "GET", "/pages/{restricted}/", but(404, editor=200, superuser=200)),
    api("pages_detail", "GET", "/pages/{submission}/", but(404, other_lecturer=200, editor=200, superuser=200)),
    # Permission comes before the body: callers without it get 403; bodies Wagtail's
    # write schemas refuse (422) show that those with it get no further.
    api("pages_create", "POST", "/pages/", but(422, anonymous=401, member=403, other_member=403, other_admin=403),
        body={"type": "cms.MicroLessonPage", "parent": "{section}", "title": "新微党课", "slug": "new-lesson"}),
    api("pages_update", "PATCH", "/pages/{draft}/", but(403, anonymous=401, editor=200, superuser=200),
        body={"title": "改名"}),
    api("pages_delete", "DELETE", "/pages/{draft}/", but(403, anonymous=401, editor=204, superuser=204)),
    api("pages_revisions_list", "GET", "/pages/{draft}/revisions/", but(403, anonymous=401, lecturer=404, other_lecturer=404, editor=200, superuser=200)),
    api("pages_revisions_detail", "GET", "/pages/{draft}/revisions/{draft_revision}/", but(403, anonymous=401, lecturer=404, other_lecturer=404, editor=200, superuser=200)),
    api("pages_actions_publish", "POST", "/pages/{draft}/actions/publish/", but(403, anonymous=401, editor=200, superuser=200)),
    api("pages_actions_unpublish", "POST", "/pages/{public}/actions/unpublish/", but(403, anonymous=401, editor=200, superuser=200)),
    api("pages_actions_copy", "POST", "/pages/{draft}/actions/copy/", but(403, anonymous=401, editor=201, superuser=201),
        body={"slug": "copied"}),
    api("pages_actions_move", "POST", "/pages/{draft}/actions/move/", but(422, anonymous=401, member=403, other_member=403, other_admin=403),
        body={"destination_page_id": "{section}"}),
    api("pages_actions_delete", "DELETE", "/pages/{draft}/actions/delete/", but(403, anonymous=401, editor=204, superuser=204)),
    api("pages_actions_revert", "POST", "/pages/{draft}/actions/revert/", but(403, anonymous=401, editor=200, superuser=200),
        body={"revision_id": "{draft_revision}"}),
    api("pages_actions_convert_alias", "POST", "/pages/{draft}/actions/convert_alias/", but(422, anonymous=401, member=403, other_member=403, other_admin=403)),
    api("pages_actions_create_alias", "POST", "/pages/{draft}/actions/create_alias/", but(403, anonymous=401, editor=201, superuser=201),
        body={"destination_page_id": "{section}"}),
    api("pages_actions_copy_for_translation", "POST", "/pages/{draft}/actions/copy_for_translation/", but(404, anonymous=401, member=403, other_member=403, other_admin=403),
        body={"locale": "en"}),
    api("schema_list", "GET", "/schema/", SIGNED_IN),
    api("schema_detail", "GET", "/schema/cms.MicroLessonPage/", SIGNED_IN),
    api("sites_list", "GET", "/sites/", but(403, anonymous=401, superuser=200)),
    api("sites_create", "POST", "/sites/", but(403, anonymous=401, superuser=422), body={"hostname": "evil.example", "root_page": "{section}"}),
    api("sites_detail", "GET", "/sites/{site}/", but(403, anonymous=401, superuser=200)),
    api("sites_update", "PUT", "/sites/{site}/", but(403, anonymous=401, superuser=422), body={"hostname": "evil.example", "root_page": "{section}"}),
    api("sites_delete", "DELETE", "/sites/{site}/", but(403, anonymous=401, superuser=204)),
    api("whoami", "GET", "/whoami/", SIGNED_IN),
    api("snippets_list", "GET", "/snippets/cms.Lecturer/", but(403, anonymous=401, lecturer=200, editor=200, superuser=200)),
    api("snippets_create", "POST", "/snippets/cms.Lecturer/", but(403, anonymous=401, editor=201, superuser=201), body={"name": "新讲师"}),
    api("snippets_detail", "GET", "/snippets/cms.Lecturer/{lecturer_profile}/", but(403, anonymous=401, lecturer=200, editor=200, superuser=200)),
    api("snippets_update", "PATCH", "/snippets/cms.Lecturer/{lecturer_profile}/", but(403, anonymous=401, lecturer=200, editor=200, superuser=200), body={"name": "改名"}),
    api("snippets_delete", "DELETE", "/snippets/cms.Lecturer/{lecturer_profile}/", but(403, anonymous=401, editor=204, superuser=204)),
    api("snippets_actions_delete", "DELETE", "/snippets/cms.Lecturer/{lecturer_profile}/actions/delete/", but(403, anonymous=401, editor=204, superuser=204)),
    # --- lecturers -----------------------------------------------------------------------
    api("lecturers_list", "GET", "/lecturers/", every(200)),
    api("lecturers_detail", "GET", "/lecturers/{lecturer_profile}/", every(200)),
    # --- media: uploads and asset state (uploader and editors only) ----------------------
    api("media_uploads_create", "POST", "/media/uploads/", but(403, anonymous=401, lecturer=201, other_lecturer=201, editor=201, superuser=201),
        **{"HTTP_TUS_RESUMABLE": "1.0.0", "HTTP_UPLOAD_LENGTH": "10", "HTTP_UPLOAD_METADATA": "filename ZS5tcDQ="}),
    api("media_uploads_append", "PATCH", "/media/uploads/{upload}/", but(404, anonymous=401, member=403, other_member=403, other_admin=403, lecturer=204),
        HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_OFFSET="0", CONTENT_TYPE=TUS_BODY),
    api("media_uploads_delete", "DELETE", "/media/uploads/{upload}/", but(404, anonymous=401, member=403, other_member=403, other_admin=403, lecturer=204),
        HTTP_TUS_RESUMABLE="1.0.0"),
    api("media_assets_detail", "GET", "/media/assets/{public_asset}/", but(404, anonymous=401, editor=200, superuser=200)),
    api("media_assets_detail", "GET", "/media/assets/{lecturer_asset}/", but(404, anonymous=401, lecturer=200, editor=200, superuser=200)),
    # Published assets have no transcode in progress: nobody gets a preview (who may
    # see one while it runs is tested in tests/media_pipeline/test_preview.py).
    api("media_assets_preview", "GET", "/media/assets/{public_asset}/preview/", but(404, anonymous=401)),
    api("media_assets_preview", "GET", "/media/assets/{lecturer_asset}/preview/", but(404, anonymous=401)),
    Row("api", "media_subtitles_create", "POST", "/api/v3/media/assets/{lecturer_asset}/subtitles/",
        but(404, anonymous=401, lecturer=201, editor=201, superuser=201), form={"file": "{vtt}"}),
    # --- learning ------------------------------------------------------------------------
    api("learning_progress_record", "POST", "/learning/progress", MEMBERS_ONLY,
        body={"lesson": "{public}", "playback_id": "{uuid}", "seq": 0, "ranges": [[0, 0.5]], "position": 0.5}),
    api("learning_progress_detail", "GET", "/learning/progress/{public}", MEMBERS_ONLY),
    api("learning_progress_detail", "GET", "/learning/progress/{draft}", but(403, anonymous=401, member=404, other_member=404)),
    api("learning_enrolment_create", "POST", "/learning/enrolments", but(403, anonymous=401, member=201, other_member=201),
        body={"course": "{elective}"}),
    api("learning_checkin_create", "POST", "/learning/checkins", but(403, anonymous=401, member=201),
        body={"session": "{session}", "code": "{code}"}),
    api("learning_archive", "GET", "/learning/archive", MEMBERS_ONLY),
    api("learning_report", "GET", "/learning/reports?organisation=S1", but(403, anonymous=401, editor=200, superuser=200)),
    api("learning_report", "GET", "/learning/reports?organisation=S1&format=csv", but(403, anonymous=401, editor=200, superuser=200)),
    api("learning_report", "GET", "/learning/reports?organisation=S2&format=xlsx", but(403, anonymous=401, editor=200, other_admin=200, superuser=200)),
    # --- search --------------------------------------------------------------------------
    api("search_query", "GET", "/search/?q=secret", every(200)),
    api("search_query", "GET", "/search/?q=草稿微党课", every(200)),
    api("search_suggest", "GET", "/search/suggest?q=secret", every(200)),
    api("search_suggest", "GET", "/search/suggest?q=内部", every(200)),
    api("search_health", "GET", "/search/health", every(200)),
    # --- assessment ----------------------------------------------------------------------
    api("assessment_quiz_list", "GET", "/assessment/quizzes?page={public}", MEMBERS_ONLY),
    api("assessment_quiz_detail", "GET", "/assessment/quizzes/{quiz}", MEMBERS_ONLY),
    api("assessment_quiz_detail", "GET", "/assessment/quizzes/{draft_quiz}", but(403, anonymous=401, member=404, other_member=404)),
    api("assessment_attempt_start", "POST", "/assessment/quizzes/{quiz}/attempts", but(403, anonymous=401, member=200, other_member=201)),
    api("assessment_attempt_list", "GET", "/assessment/attempts", MEMBERS_ONLY),
    api("assessment_attempt_detail", "GET", "/assessment/attempts/{attempt}", but(403, anonymous=401, member=200, other_member=404)),
    api("assessment_answer_save", "PUT", "/assessment/attempts/{attempt}/answers/{question}", but(403, anonymous=401, member=200, other_member=404),
        body={"value": True}),
    api("assessment_attempt_submit", "POST", "/assessment/attempts/{attempt}/submit", but(403, anonymous=401, member=200, other_member=404)),
    api("assessment_practice_today", "GET", "/assessment/practice/today", MEMBERS_ONLY),
    api("assessment_practice_answer", "PUT", "/assessment/practice/today/answers/{question}", MEMBERS_ONLY,
        body={"value": True}),
    api("assessment_wrong_answer_list", "GET", "/assessment/wrong-answers", MEMBERS_ONLY),
    api("assessment_wrong_answer_retry", "POST", "/assessment/wrong-answers/{question}/retry", but(403, anonymous=401, member=404, other_member=404),
        body={"value": True}),
    api("assessment_wrong_answer_remove", "DELETE", "/assessment/wrong-answers/{question}", but(403, anonymous=401, member=404, other_member=404)),
    api("assessment_contest_list", "GET", "/assessment/contests", MEMBERS_ONLY),
    api("assessment_contest_detail", "GET", "/assessment/contests/{contest}", but(403, anonymous=401, member=200, other_member=404)),
    api("assessment_contest_attempt_start", "POST", "/assessment/contests/{contest}/attempt", but(403, anonymous=401, member=201, other_member=404)),
    api("assessment_contest_ranking", "GET", "/assessment/contests/{contest}/ranking", but(403, anonymous=401, other_member=404)),
    api("assessment_pass_rate_report", "GET", "/assessment/reports/pass-rates?organisation=S1&quiz={quiz}", but(403, anonymous=401, editor=200, superuser=200)),
    api("assessment_contest_results", "GET", "/assessment/contests/{contest}/results?organisation=S1&format=csv", but(403, anonymous=401, editor=200, superuser=200)),
    api("assessment_live_join", "POST", "/assessment/live/join", every(404), body={"code": "ZZZZZZ"}),
    api("assessment_live_state", "GET", "/assessment/live/999999/state", but(404, anonymous=401)),
    api("assessment_live_stake", "POST", "/assessment/live/999999/stakes", every(401), body={"points": 10}),
    api("assessment_live_answer", "POST", "/assessment/live/999999/answers", every(401), body={"options": []}),
    api("assessment_live_advance", "POST", "/assessment/live/999999/advance", but(404, anonymous=401), body={}),
    api("assessment_live_team_qr", "GET", "/assessment/live/999999/teams/1/qr.png", but(404, anonymous=401)),
    # --- portal pages --------------------------------------------------------------------
    portal("signin", "GET", "/login/", but(302, anonymous=200)),
    portal("signout", "POST", "/logout/", every(302)),
    portal("theme_css", "GET", "/theme.css", every(200)),
    portal("elder_mode", "POST", "/settings/elder-mode/", every(302), form={"on": "1"}),
    portal("archive", "GET", "/me/archive/", but(403, anonymous=302, member=200, other_member=200)),
    portal("enrol", "POST", "/me/enrol/{elective}/", but(403, anonymous=302, member=302, other_member=302)),
    portal("sites", "GET", "/sites/", every(200)),
    # A route without a public stop is not shown, to anyone.
    portal("route", "GET", "/sites/routes/{route}/", every(404)),
    portal("search", "GET", "/search/?q=secret", every(200)),
    portal("search", "GET", "/search/?q=草稿微党课", every(200)),
    portal("checkin", "GET", "/me/checkin/?session={session}", but(403, anonymous=302, member=200, other_member=200)),
    portal("checkin", "POST", "/me/checkin/", but(403, anonymous=302, member=302),
           form={"session": "{session}", "code": "{code}"}),
    portal("quiz", "GET", "/me/quizzes/{quiz}/", but(403, anonymous=302, member=200, other_member=200)),
    portal("quiz", "GET", "/me/quizzes/{draft_quiz}/", but(403, anonymous=302, member=404, other_member=404)),
    portal("attempt", "GET", "/me/attempts/{attempt}/", but(403, anonymous=302, member=200, other_member=404)),
    portal("practice", "GET", "/me/practice/", but(403, anonymous=302, member=200, other_member=200)),
    portal("wrong_answers", "GET", "/me/wrong-answers/", but(403, anonymous=302, member=200, other_member=200)),
    portal("wrong_answer_retry", "POST", "/me/wrong-answers/{question}/retry/", but(403, anonymous=302, member=302, other_member=302)),
    portal("wrong_answer_remove", "POST", "/me/wrong-answers/{question}/remove/", but(403, anonymous=302, member=302, other_member=302)),
    portal("contests", "GET", "/me/contests/", but(403, anonymous=302, member=200, other_member=200)),
    portal("contest", "GET", "/me/contests/{contest}/", but(403, anonymous=302, member=200, other_member=404)),
    portal("live_join", "GET", "/live/join/", every(200)),
    portal("live_phone", "GET", "/live/999999/", every(404)),
    portal("live_host", "GET", "/live/999999/host/", but(404, anonymous=302)),
    portal("page", "GET", "/lessons/public/", every(200)),
    portal("page", "GET", "/lessons/draft/", every(404)),
    portal("page", "GET", "/lessons/restricted/", but(302, editor=200, superuser=200)),
    # --- media URLs ----------------------------------------------------------------------
    media("playlist", "/api/v3/media/assets/{public_asset}/hls/master.m3u8", every(200), PLAYLIST),
    media("playlist", "/api/v3/media/assets/{draft_asset}/hls/master.m3u8", but(404, editor=200, superuser=200), PLAYLIST),
    media("playlist", "/api/v3/media/assets/{restricted_asset}/hls/master.m3u8", but(404, editor=200, superuser=200), PLAYLIST),
    media("playlist", "/api/v3/media/assets/{unready_asset}/hls/master.m3u8", every(404), PLAYLIST),
    media("playlist", "{variant_url}", every(200), PLAYLIST),
    media("playlist", "/api/v3/media/assets/{public_asset}/hls/{variant_path}", every(404), PLAYLIST),
    media("segment", "{segment_url}", every(200), FILE),
    media("segment", "{segment_unsigned}", every(404), FILE),
    media("segment", "{unready_segment_url}", every(404), FILE),
    media("poster", "{poster_url}", every(200), FILE),
    media("poster", "{poster_unsigned}", every(404), FILE),
    media("original", "{original_url}", every(404), follow=True),
    media("subtitle", "{subtitle_url}", every(200), PLAYLIST),
    media("subtitle", "/api/v3/media/assets/{public_asset}/hls/subtitles/{subtitle}.vtt", every(404), PLAYLIST),
    media("courseware", "{public_courseware}", every(200)),
    media("courseware", "{draft_courseware}", but(404, editor=200, superuser=200)),
    media("courseware", "{restricted_courseware}", but(404, editor=200, superuser=200)),
]  # fmt: skip

MEDIA_KINDS = {"playlist", "segment", "poster", "original", "subtitle", "courseware"}
PORTAL_CONTENT_ROWS = {"page"}  # Wagtail serves content pages after the portal's URLs


# --- the world ------------------------------------------------------------------------


def _copy_published_files(source, target) -> None:
    """Give ``target`` the published files of ``source`` (one transcode serves
    every asset of the world)."""
    from media_pipeline import storage as media_storage

    old = media_storage.version_prefix(source.pk, source.published_version)
    new = media_storage.version_prefix(target.pk, 1)

    def walk(prefix: str):
        folders, files = default_storage.listdir(prefix)
        for name in files:
            yield f"{prefix}/{name}"
        for folder in folders:
            yield from walk(f"{prefix}/{folder}")

    for key in walk(old):
        with default_storage.open(key, "rb") as handle:
            default_storage.save(new + key[len(old) :], ContentFile(handle.read()))
    type(target).objects.filter(pk=target.pk).update(
        status="ready", published_version=1, progress=100,
        duration=source.duration, media_info=source.media_info,
    )  # fmt: skip
    target.refresh_from_db()


def _uris(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def _build_world(tmp_path) -> tuple[dict, dict]:
    from assessment.models import OnlineContest, Quiz, QuizQuestion
    from assessment.services import QuestionData, question_create, quiz_attempt_start
    from cms.models import (
        CoursePage,
        HomePage,
        LessonCourseware,
        MicroLessonPage,
        RedRoute,
        SectionPage,
    )
    from learning import services as learning_services
    from learning.models import TrainingClass, TrainingSession
    from media_pipeline.services import subtitle_attach, video_asset_process
    from tests.conftest import Group

    home = HomePage.objects.get(depth=2)
    section = factories.section(home, title="微党课", slug="lessons")
    submissions = SectionPage.objects.get(slug="submissions")
    district = factories.organisation(kind="district", code="D")
    sub1 = factories.organisation(parent=district, kind="subdistrict", code="S1")
    sub2 = factories.organisation(parent=district, kind="subdistrict", code="S2")
    branch1 = factories.organisation(parent=sub1, code="B1")
    branch2 = factories.organisation(parent=sub2, code="B2")
    users = [
        None,
        factories.user("member", groups=["党员"]),
        factories.user("other_member", groups=["党员"]),
        factories.user("lecturer", groups=["讲师"]),
        factories.user("other_lecturer", groups=["讲师"]),
        factories.user("editor", groups=["编辑"]),
        factories.org_admin(organisation=sub2, username="other_admin"),
        factories.user("root", is_superuser=True, is_staff=True),
    ]
    member = factories.member(organisation=branch1, user=users[MEMBER])
    member.name = MEMBER_NAME
    member.save()
    factories.member(organisation=branch2, user=users[OTHER])
    profile = factories.lecturer(name="张老师", user=users[LECT])

    # Media: one real transcode; the other assets share its files.
    clip = factories.make_clip(tmp_path / "clip.mp4", seconds=1.0, size="160x120")
    public_asset = factories.video_asset(title="公开", content=clip.read_bytes())
    public_asset = video_asset_process(asset_id=public_asset.pk)
    assert public_asset.published_version, public_asset.error
    subtitle = subtitle_attach(
        asset=public_asset, raw=b"1\n00:00:00,000 --> 00:00:01,000\nhi\n"
    )
    draft_asset = factories.video_asset(title="草稿素材")
    restricted_asset = factories.video_asset(title="内部素材")
    for asset in (draft_asset, restricted_asset):
        _copy_published_files(public_asset, asset)
    unready_asset = factories.video_asset(title="转码中", status="transcoding")
    lecturer_asset = factories.video_asset(title="讲师素材", uploaded_by=users[LECT])

    def courseware(title: str) -> Document:
        document = Document(title=title)
        document.file.save(f"{title}.pdf", ContentFile(b"%PDF-1.4 " + title.encode()))
        document.save()
        return document

    def lesson(title, slug, video, *, live=True, document=None):
        page = MicroLessonPage(
            title=title, slug=slug, duration=1, video=video, live=live
        )
        if document:
            page.courseware = [LessonCourseware(document=document)]
        section.add_child(instance=page)
        revision = page.save_revision()
        if live:
            revision.publish()
        return MicroLessonPage.objects.get(pk=page.pk), revision

    docs = {name: courseware(name) for name in ("public", "draft", "restricted")}
    public, _ = lesson("公开微党课", "public", public_asset, document=docs["public"])
    draft, draft_revision = lesson(
        DRAFT, "draft", draft_asset, live=False, document=docs["draft"]
    )
    restricted, _ = lesson(
        RESTRICTED, "restricted", restricted_asset, document=docs["restricted"]
    )
    restriction = PageViewRestriction.objects.create(
        page=restricted, restriction_type="groups"
    )
    restriction.groups.set([Group.objects.get(name="编辑")])
    lesson("转码中的微党课", "unready", unready_asset)
    submission = MicroLessonPage(
        title=SUBMISSION, slug="submission", owner=users[LECT2], live=False
    )
    submissions.add_child(instance=submission)
    submission.save_revision(user=users[LECT2])
    elective = factories.course(
        section, title="选修课", lessons=[public], category="elective"
    )
    assert isinstance(elective, CoursePage)

    # Learning and assessment records of the member.
    klass = TrainingClass.objects.create(title="党务培训", organisation=sub1)
    start = timezone.now() - timedelta(minutes=5)
    session = TrainingSession.objects.create(
        training_class=klass,
        title="第一讲",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    question = question_create(
        data=QuestionData(kind="true_false", stem="党章是党的根本大法。", is_true=True),
        page=public,
    )
    quiz = Quiz.objects.create(title="课后测验", kind=Quiz.Kind.LESSON, page=public)
    QuizQuestion.objects.create(quiz=quiz, question=question, sort_order=0)
    draft_quiz = Quiz.objects.create(
        title="草稿测验", kind=Quiz.Kind.LESSON, page=draft
    )
    QuizQuestion.objects.create(quiz=draft_quiz, question=question, sort_order=0)
    attempt, _ = quiz_attempt_start(member=member, quiz=quiz)
    paper = Quiz.objects.create(title="竞赛试卷", kind=Quiz.Kind.CONTEST)
    QuizQuestion.objects.create(quiz=paper, question=question, sort_order=0)
    contest = OnlineContest.objects.create(
        title="知识竞赛", organisation=sub1, quiz=paper,
        opens_at=timezone.now() - timedelta(hours=1), closes_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    route = RedRoute.objects.create(name="红色线路")

    # Signed URLs as a player receives them, and the same without signatures.
    anonymous = Client()
    video = anonymous.get(f"/api/v3/pages/{public.pk}/").json()["video"]
    master = anonymous.get(video["master_url"]).content.decode()
    variant_url = _uris(master)[0]
    variant_path = variant_url.split("/hls/", 1)[1].split("?", 1)[0]
    segment_url = _uris(anonymous.get(variant_url).content.decode())[0]
    unready_segment = segment_url.replace(
        f"/assets/{public_asset.pk}/", f"/assets/{unready_asset.pk}/"
    )

    ids = {
        "section": section.pk, "site": home.get_site().pk, "route": route.pk,
        "public": public.pk, "draft": draft.pk, "restricted": restricted.pk,
        "submission": submission.pk, "draft_revision": draft_revision.pk,
        "elective": elective.pk, "lecturer_profile": profile.pk,
        "public_asset": public_asset.pk, "draft_asset": draft_asset.pk,
        "restricted_asset": restricted_asset.pk, "unready_asset": unready_asset.pk,
        "lecturer_asset": lecturer_asset.pk, "subtitle": subtitle.pk,
        "variant_url": variant_url, "variant_path": variant_path,
        "segment_url": segment_url, "segment_unsigned": segment_url.split("?")[0],
        "unready_segment_url": unready_segment,
        "poster_url": video["poster_url"], "poster_unsigned": video["poster_url"].split("?")[0],
        "subtitle_url": video["subtitles"][0]["url"],
        "original_url": public_asset.file.url,
        "public_courseware": docs["public"].url, "draft_courseware": docs["draft"].url,
        "restricted_courseware": docs["restricted"].url,
        "session": session.pk, "quiz": quiz.pk, "draft_quiz": draft_quiz.pk,
        "attempt": attempt.pk, "question": question.pk, "contest": contest.pk,
    }  # fmt: skip
    ids["code"] = lambda: learning_services.checkin_code(session=session)
    ids["upload"] = lambda: _upload_of(users[LECT])
    ids["uuid"] = lambda: str(uuid.uuid4())
    ids["vtt"] = lambda: SimpleUploadedFile(
        "track.vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n", "text/vtt"
    )
    return ids, {"users": users}


def _upload_of(user) -> str:
    from media_pipeline.models import TusUpload

    upload = TusUpload.objects.filter(owner=user).first()
    if upload is None:
        client = Client()
        client.force_login(user)
        created = client.post(
            "/api/v3/media/uploads/",
            HTTP_TUS_RESUMABLE="1.0.0",
            HTTP_UPLOAD_LENGTH="10",
            HTTP_UPLOAD_METADATA="filename ZS5tcDQ=",
        )
        assert created.status_code == 201, created.content
        return created["Location"].rstrip("/").rsplit("/", 1)[1]
    return str(upload.pk)


def _fill(template, ids: dict):
    if isinstance(template, str):
        if (
            template.startswith("{")
            and template.endswith("}")
            and "{" not in template[1:]
        ):
            value = ids.get(template[1:-1], template)
            return value() if callable(value) else value
        return template.format_map(
            {k: (v() if callable(v) else v) for k, v in ids.items()}
        )
    if isinstance(template, dict):
        return {key: _fill(value, ids) for key, value in template.items()}
    if isinstance(template, list):
        return [_fill(value, ids) for value in template]
    return template


def _forget_caches() -> None:
    """After a rolled-back write: cached facts (lessons, members, rate limits) must
    not outlive the rows they came from. Remembered tokens stay valid."""
    from learning.services import lesson_info_forget, member_forget

    cache.clear()
    lesson_info_forget()
    member_forget()


def _request(client: Client, row: Row, ids: dict, token: str | None):
    url = _fill(row.url, ids)
    headers = dict(row.headers)
    if token and row.kind == "api":
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if row.method == "GET":
        return client.get(url, follow=row.follow, **headers)
    with transaction.atomic():
        if row.form is not None:
            response = client.post(url, _fill(row.form, ids), **headers)
        else:
            content_type = headers.pop("CONTENT_TYPE", "application/json")
            data = json.dumps(_fill(row.body, ids)) if row.body is not None else ""
            if content_type == TUS_BODY:
                data = b"0123456789"  # the 10 bytes the upload announced
            response = client.generic(row.method, url, data, content_type, **headers)
        transaction.set_rollback(True)
    _forget_caches()
    return response


def _body(response) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


# --- the tests ------------------------------------------------------------------------


def test_every_operation_and_portal_page_has_a_row(client, db):
    operations = {
        operation["operationId"]
        for path in client.get("/api/v3/openapi.json").json()["paths"].values()
        for operation in path.values()
    }
    rows = {row.name for row in ROWS if row.kind == "api"}
    rows |= {row.operation for row in ROWS if row.operation}
    assert operations - rows == set(), "classify these operations in ROWS"
    assert rows - operations == set(), "rows for operations the API no longer has"

    from themes import urls as portal_urls

    def names(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from names(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                yield pattern.name

    portal_names = set(names(portal_urls.urlpatterns))
    rows = {row.name for row in ROWS if row.kind == "portal"} - PORTAL_CONTENT_ROWS
    assert portal_names - rows == set(), "classify these portal pages in ROWS"
    assert rows - portal_names == set()
    assert {row.name for row in ROWS if row.kind == "media"} == MEDIA_KINDS
    assert all(len(row.expect) == len(ROLES) for row in ROWS)


@pytest.mark.slow
@pytest.mark.postgres
def test_authorisation_matrix(tmp_path, ffmpeg_binaries, settings):
    postgres_only(
        "about a thousand requests and a transcode: the matrix runs once, in the "
        "PostgreSQL pass"
    )
    settings.MEDIA_LADDER = [(120, 150)]
    settings.MEDIA_X264_PRESET = "ultrafast"
    ids, world = _build_world(tmp_path)
    users = world["users"]
    clients, tokens = [], []
    for user in users:
        client = Client()
        token = None
        if user is not None:
            client.force_login(user)
            token = APIToken.create_token(user=user, name="matrix")[1]
        clients.append(client)
        tokens.append(token)

    wrong: list[str] = []
    for row in ROWS:
        for index, role in enumerate(ROLES):
            response = _request(clients[index], row, ids, tokens[index])
            if row.name == "signout" and users[index] is not None:
                clients[index].force_login(users[index])
            if response.status_code != row.expect[index]:
                wrong.append(
                    f"{row.kind} {row.name} {row.method} {row.url} as {role}: "
                    f"{response.status_code}, expected {row.expect[index]}"
                )
            text = _body(response)
            for secret, hidden_from in SECRETS_HIDDEN_FROM.items():
                if index in hidden_from and secret in text:
                    wrong.append(
                        f"{row.kind} {row.name} {row.url} leaks {secret!r} to {role}"
                    )
    assert wrong == [], "\n" + "\n".join(wrong)
