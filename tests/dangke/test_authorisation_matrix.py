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

import importlib
import json
import uuid
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
from tests.matrix import (
    ANON,
    APP_MATRICES,
    FILE,
    LECT,
    LECT2,
    MEMBER,
    MEMBERS_ONLY,
    OADMIN,
    OTHER,
    PLAYLIST,
    ROLES,
    SIGNED_IN,
    TUS_BODY,
    Row,
    api,
    but,
    every,
    media,
    portal,
)
from tests.services import postgres_only

pytestmark = [pytest.mark.django_db]

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
    # --- meetings (branch life): the member of B1 hosts and records the meeting ----------
    api("meetings_meeting_create", "POST", "/meetings/", but(403, anonymous=401, editor=201, superuser=201),
        body={"organisation": "B1", "kind": "general", "theme": "党员大会", "starts_at": "2099-01-05T09:00:00+08:00",
              "ends_at": "2099-01-05T11:00:00+08:00", "place": "address", "address": "党群服务中心",
              "host": "{member_id}", "recorder": "{member_id}"}),
    api("meetings_meeting_list", "GET", "/meetings/", MEMBERS_ONLY),
    api("meetings_meeting_list", "GET", "/meetings/?organisation=B1", but(403, anonymous=401, editor=200, superuser=200)),
    api("meetings_meeting_detail", "GET", "/meetings/{meeting}", but(404, anonymous=401, member=200, editor=200, superuser=200)),
    api("meetings_leave_request", "POST", "/meetings/{meeting}/leave", but(404, anonymous=401, member=409, editor=403, superuser=403),
        body={"reason": "出差"}),
    api("meetings_leave_decide", "POST", "/meetings/{meeting}/leave/{member_id}", but(404, anonymous=401, member=409, editor=409, superuser=409),
        body={"approve": True}),
    api("meetings_checkin_code", "GET", "/meetings/{meeting}/checkin-code", but(404, anonymous=401, member=200, editor=200, superuser=200)),
    api("meetings_checkin_create", "POST", "/meetings/{meeting}/checkins", but(404, anonymous=401, member=201, editor=403, superuser=403),
        body={"code": "{meeting_code}"}),
    api("meetings_signin_record", "POST", "/meetings/{meeting}/signins", but(404, anonymous=401, member=201, editor=403, superuser=403),
        body={"member": "{member_id}", "reason": "现场确认到会"}),
    api("meetings_minutes_detail", "GET", "/meetings/{meeting}/minutes", but(404, anonymous=401, member=200, editor=200, superuser=200)),
    api("meetings_minutes_write", "POST", "/meetings/{meeting}/minutes", but(404, anonymous=401, member=201, editor=201, superuser=201),
        body={"text": "纪要", "base_revision": 0}),
    api("meetings_resolution_create", "POST", "/meetings/{meeting}/resolutions", but(404, anonymous=401, member=201, editor=201, superuser=201),
        body={"text": "决议", "owner": "{member_id}", "due_on": "2099-01-01"}),
    api("meetings_home_visit_create", "POST", "/meetings/{meeting}/home-visits", but(404, anonymous=401, member=403, editor=201, superuser=201),
        body={"member": "{member_id}", "visited_on": "{today}", "visitors": "书记", "content": "送学"}),
    api("meetings_makeup_claim", "POST", "/meetings/{meeting}/makeup", but(404, anonymous=401, member=409, editor=403, superuser=403)),
    api("meetings_ledger", "GET", "/meetings/ledgers/B1/{year}", but(403, anonymous=401, editor=200, superuser=200)),
    api("meetings_ledger", "GET", "/meetings/ledgers/B1/{year}?format=xlsx", but(403, anonymous=401, editor=200, superuser=200)),
    api("meetings_ledger_file", "POST", "/meetings/ledgers/B1/{year}/filing", but(403, anonymous=401, editor=201, superuser=201)),
    api("meetings_overview", "GET", "/meetings/overview?organisation=D", but(403, anonymous=401, editor=200, superuser=200)),
    api("meetings_overview", "GET", "/meetings/overview?organisation=S2", but(403, anonymous=401, editor=200, other_admin=200, superuser=200)),
    api("meetings_cadence_set", "PUT", "/meetings/cadences/B1/general", but(403, anonymous=401, editor=200, superuser=200),
        body={"months": 2}),
    # Party groups (党小组), reschedule and cancel (the meeting has begun: 400 for
    # those who may), files attached to the minutes.
    api("meetings_party_group_list", "GET", "/meetings/groups?organisation=B1", but(403, anonymous=401, editor=200, superuser=200)),
    api("meetings_party_group_create", "POST", "/meetings/groups", but(403, anonymous=401, editor=201, superuser=201),
        body={"organisation": "B1", "name": "第二党小组", "members": ["{member_id}"]}),
    api("meetings_party_group_members_set", "PUT", "/meetings/groups/{party_group}/members", but(404, anonymous=401, editor=200, superuser=200),
        body={"members": ["{member_id}"], "leader": "{member_id}"}),
    api("meetings_meeting_reschedule", "POST", "/meetings/{meeting}/reschedule", but(404, anonymous=401, member=400, editor=400, superuser=400),
        body={"starts_at": "2099-01-05T09:00:00+08:00", "ends_at": "2099-01-05T11:00:00+08:00", "reason": "与上级会议冲突"}),
    api("meetings_meeting_cancel", "POST", "/meetings/{meeting}/cancellation", but(404, anonymous=401, member=400, editor=400, superuser=400),
        body={"reason": "天气原因"}),
    api("meetings_attachment_list", "GET", "/meetings/{meeting}/attachments", but(404, anonymous=401, member=200, editor=200, superuser=200)),
    Row("api", "meetings_attachment_upload", "POST", "/api/v3/meetings/{meeting}/attachments",
        but(404, anonymous=401, member=201, editor=201, superuser=201), form={"file": "{minutes_pdf}"}),
    api("meetings_attachment_download", "GET", "/meetings/{meeting}/attachments/{attachment}", but(404, anonymous=401, member=200, editor=200, superuser=200)),
    # --- training: plans filed upward (other_admin administers S2, parent of B2) -------
    api("training_plan_create", "POST", "/training/plans", but(403, anonymous=401, editor=201, other_admin=201, superuser=201),
        body={"organisation": "S2", "year": "{plan_year}", "title": "计划", "lines": [
            {"title": "示范培训", "kind": "demonstration", "target_groups": ["secretary"], "months": [3]}]}),
    api("training_plan_list", "GET", "/training/plans", SIGNED_IN),
    api("training_plan_list", "GET", "/training/plans?organisation=S1", but(403, anonymous=401, editor=200, superuser=200)),
    api("training_filing_queue", "GET", "/training/plans/queue", SIGNED_IN),
    api("training_plan_detail", "GET", "/training/plans/{s2_plan}", but(404, anonymous=401, editor=200, other_admin=200, superuser=200)),
    api("training_plan_update", "PUT", "/training/plans/{s2_plan}", but(404, anonymous=401, editor=409, other_admin=409, superuser=409),
        body={"title": "改名"}),
    api("training_plan_update", "PUT", "/training/plans/{s2_draft}", but(404, anonymous=401, editor=200, other_admin=200, superuser=200),
        body={"title": "改名"}),
    api("training_plan_delete", "DELETE", "/training/plans/{s2_draft}", but(404, anonymous=401, editor=204, other_admin=204, superuser=204)),
    api("training_plan_submit", "POST", "/training/plans/{s2_draft}/submit", but(404, anonymous=401, editor=200, other_admin=200, superuser=200)),
    api("training_plan_submit", "POST", "/training/plans/{s2_plan}/submit", but(404, anonymous=401, editor=409, other_admin=409, superuser=409)),
    # A district (here S2) files only its children's plans, never its own.
    api("training_plan_file", "POST", "/training/plans/{s2_plan}/file", but(404, anonymous=401, editor=200, other_admin=403, superuser=200), body={}),
    api("training_plan_file", "POST", "/training/plans/{b2_plan}/file", but(404, anonymous=401, editor=200, other_admin=200, superuser=200), body={}),
    api("training_plan_return", "POST", "/training/plans/{b2_plan}/return", but(404, anonymous=401, editor=200, other_admin=200, superuser=200),
        body={"comment": "请补充兜底培训"}),
    api("training_plan_revise", "POST", "/training/plans/{s2_filed}/revisions", but(404, anonymous=401, editor=201, other_admin=201, superuser=201)),
    api("training_plan_actual", "GET", "/training/plan-actual/S2/{year}", but(403, anonymous=401, editor=200, other_admin=200, superuser=200)),
    api("training_plan_actual", "GET", "/training/plan-actual/D/{year}", but(403, anonymous=401, editor=200, superuser=200)),
    # --- training: 共建共享 (D shares two courses with its subtree; S1 adopted one) ----
    api("training_shared_courses", "GET", "/training/shared-courses?organisation=S2", but(403, anonymous=401, editor=200, other_admin=200, superuser=200)),
    api("training_course_share", "PUT", "/training/shared-courses/{shared_course}", but(403, anonymous=401, editor=200, superuser=200),
        body={"organisation": "D", "scope": "all"}),
    api("training_course_adoption_figures", "GET", "/training/shared-courses/{shared_course}/adoptions", but(403, anonymous=401, editor=200, superuser=200)),
    api("training_course_adopt", "POST", "/training/adoptions", but(403, anonymous=401, editor=201, other_admin=201, superuser=201),
        body={"organisation": "S2", "course": "{s2_course}"}),
    api("training_course_adoption_withdraw", "POST", "/training/adoptions/{adoption}/withdraw", but(404, anonymous=401, editor=200, superuser=200), body={}),
    # --- training: a class of S1 the member is enrolled in ------------------------------
    api("training_class_list_mine", "GET", "/training/classes/mine", MEMBERS_ONLY),
    api("training_class_detail", "GET", "/training/classes/{tclass}", but(404, anonymous=401, member=200, editor=200, superuser=200)),
    api("training_class_completion", "GET", "/training/classes/{tclass}/completion", but(404, anonymous=401, member=200, editor=200, superuser=200)),
    api("training_class_enrol", "POST", "/training/classes/{tclass}/enrolments", but(404, anonymous=401, member=403, editor=200, superuser=200),
        body={"members": ["{member_id}"]}),
    api("training_class_apply", "POST", "/training/classes/{tclass}/applications", but(404, anonymous=401, member=409, editor=403, superuser=403), body={}),
    api("training_class_application_decide", "POST", "/training/classes/{tclass}/applications/{member_id}", but(404, anonymous=401, member=403, editor=409, superuser=409),
        body={"approve": True}),
    api("training_session_request", "POST", "/training/sessions/{tsession}/requests", but(403, anonymous=401, member=201, other_member=404),
        body={"kind": "late_entry", "reason": "忘记签到"}),
    api("training_session_request_decide", "POST", "/training/requests/{trequest}", but(404, anonymous=401, member=403, editor=200, superuser=200),
        body={"approve": True}),
    api("training_class_paper_generate", "POST", "/training/classes/{tclass}/papers/timetable", but(404, anonymous=401, member=403, editor=200, superuser=200)),
    api("training_class_paper", "GET", "/training/classes/{tclass}/papers/signin", but(404, anonymous=401, member=403, editor=200, superuser=200)),
    api("training_class_close", "POST", "/training/classes/{tclass}/close", but(404, anonymous=401, member=403, editor=409, superuser=409)),
    # --- certificates: the member's own; verify is public; organisers of S1 (editors) ---
    api("certificates_mine_list", "GET", "/certificates/mine", SIGNED_IN),
    api("certificates_mine_file", "GET", "/certificates/mine/{certificate}/file", but(404, anonymous=401, member=200)),
    api("certificates_verify", "GET", "/certificates/verify/{certificate_code}", every(200)),
    api("certificates_verify", "GET", "/certificates/verify/forged-code-0000000000000000000", every(404)),
    api("certificates_revoke", "POST", "/certificates/{certificate}/revoke", but(404, anonymous=401, editor=200, superuser=200),
        body={"reason": "冒名参训"}),
    api("certificates_class_issue", "POST", "/certificates/classes/{certificate_class}/issue", but(404, anonymous=401, editor=202, superuser=202)),
    api("certificates_batch_detail", "GET", "/certificates/batches/{certificate_batch}", but(404, anonymous=401, editor=200, superuser=200)),
    api("figures_training_statistics", "GET", "/figures/training/S1/{year}", but(403, anonymous=401, editor=200, superuser=200)),
    api("figures_training_statistics", "GET", "/figures/training/S2/{year}", but(403, anonymous=401, editor=200, other_admin=200, superuser=200)),
    api("notices_list", "GET", "/notices/", SIGNED_IN),
    api("notices_read", "POST", "/notices/{notice}/read", but(404, anonymous=401, member=200)),
    api("feedback_create", "POST", "/feedback/", but(201, anonymous=401),
        body={"category": "suggestion", "text": "建议增加夜间党课"}),
    api("feedback_list_mine", "GET", "/feedback/", SIGNED_IN),
    api("feedback_detail_mine", "GET", "/feedback/{feedback}", but(404, anonymous=401, member=200)),
    # --- portal pages --------------------------------------------------------------------
    portal("signin", "GET", "/login/", but(302, anonymous=200)),
    portal("certificate_verify", "GET", "/verify/{certificate_code}", every(200)),
    portal("certificate_verify", "GET", "/verify/forged-code-0000000000000000000", every(404)),
    portal("signout", "POST", "/logout/", every(302)),
    portal("theme_css", "GET", "/theme.css", every(200)),
    portal("elder_mode", "POST", "/settings/elder-mode/", every(302), form={"on": "1"}),
    portal("archive", "GET", "/me/archive/", but(403, anonymous=302, member=200, other_member=200)),
    portal("learning", "GET", "/learn/", every(200)),
    portal("me", "GET", "/me/", but(200, anonymous=302)),
    portal("password_change", "GET", "/me/password/", but(200, anonymous=302)),
    # a wrong old password: the form again with its error, nothing changed
    portal("password_change", "POST", "/me/password/", but(200, anonymous=302),
           form={"old_password": "not-the-password", "new_password1": "Neu-pass-9876", "new_password2": "Neu-pass-9876"}),
    portal("offline", "GET", "/offline/", every(200)),
    portal("service_worker", "GET", "/sw.js", every(200)),
    portal("feedback", "GET", "/me/feedback/", but(200, anonymous=302)),
    portal("feedback", "POST", "/me/feedback/", every(302),
           form={"category": "question", "text": "学时怎么算"}),
    portal("meetings", "GET", "/me/meetings/", but(403, anonymous=302, member=200, other_member=200)),
    portal("meeting", "GET", "/me/meetings/{meeting}/", but(404, anonymous=302, member=200, editor=200, superuser=200)),
    portal("meeting", "POST", "/me/meetings/{meeting}/", but(404, anonymous=302, member=409, editor=403, superuser=403),
           form={"action": "leave", "reason": "出差"}),
    portal("meeting_screen", "GET", "/me/meetings/{meeting}/screen/", but(404, anonymous=302, member=200, editor=200, superuser=200)),
    portal("training_classes", "GET", "/me/training/", but(403, anonymous=302, member=200, other_member=200)),
    portal("training_class", "GET", "/me/training/{tclass}/", but(403, anonymous=302, member=200, other_member=404)),
    portal("training_class", "POST", "/me/training/{tclass}/", but(403, anonymous=302, member=409, other_member=404),
           form={"action": "apply"}),
    portal("enrol", "POST", "/me/enrol/{elective}/", but(403, anonymous=302, member=302, other_member=302)),
    portal("sites", "GET", "/sites/", every(200)),
    # A route without a public stop is not shown, to anyone.
    portal("route", "GET", "/sites/routes/{route}/", every(404)),
    portal("search", "GET", "/search/?q=secret", every(200)),
    portal("search", "GET", "/search/?q=草稿微党课", every(200)),
    portal("checkin", "GET", "/me/checkin/?session={session}", but(403, anonymous=302, member=200, other_member=200)),
    portal("checkin", "POST", "/me/checkin/", but(403, anonymous=302, member=302),
           form={"session": "{session}", "code": "{code}"}),
    # the QR code's URL checks in on GET (after sign-in)
    portal("checkin", "GET", "/me/checkin/?session={session}&code={code}", but(403, anonymous=302, member=302)),
    portal("session_screen", "GET", "/me/sessions/{session}/screen/", but(404, anonymous=302, editor=200, superuser=200)),
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
    # a team's QR code: signs in first, then joins (no such code here: 404)
    portal("live_join", "GET", "/live/join/?code=ZZZZZZ", but(404, anonymous=302)),
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


def _app_matrix(app: str):
    """``tests/<app>/matrix_rows.py`` (see ``tests.matrix``)."""
    return importlib.import_module(f"tests.{app}.matrix_rows")


for _app in APP_MATRICES:
    ROWS += _app_matrix(_app).ROWS

MEDIA_KINDS = {"playlist", "segment", "poster", "original", "subtitle", "courseware"}
PORTAL_CONTENT_ROWS = {"page"}  # Wagtail serves content pages after the portal's URLs
# Public pages routed by dangke/urls.py itself (the certificate verify page).
PROJECT_PAGE_ROWS = {"certificate_verify"}


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
    from feedback.models import Feedback
    from learning import services as learning_services
    from learning.models import TrainingClass, TrainingSession
    from media_pipeline.services import subtitle_attach, video_asset_process
    from meetings.models import Attendee, Meeting, MinutesAttachment, PartyGroup
    from notices.models import Notice
    from tests.certificates.matrix_world import certificates_world
    from tests.conftest import Group
    from tests.training.matrix_world import training_world

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
    other_member = factories.member(organisation=branch2, user=users[OTHER])
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
    # A question of its own: one an open contest may draw is held back from practice.
    contest_question = question_create(
        data=QuestionData(
            kind="true_false", stem="党的最高理想是实现共产主义。", is_true=True
        ),
    )
    QuizQuestion.objects.create(quiz=paper, question=contest_question, sort_order=0)
    contest = OnlineContest.objects.create(
        title="知识竞赛", organisation=sub1, quiz=paper,
        opens_at=timezone.now() - timedelta(hours=1), closes_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    route = RedRoute.objects.create(name="红色线路")
    meeting = Meeting.objects.create(
        organisation=branch1, kind="general", theme="党员大会", starts_at=start,
        ends_at=start + timedelta(hours=1), place="address", address="党群服务中心",
        host=member, recorder=member,
    )  # fmt: skip
    Attendee.objects.create(meeting=meeting, member=member)
    party_group = PartyGroup.objects.create(organisation=branch1, name="第一党小组")
    party_group.members.set([member])
    attachment = MinutesAttachment(
        meeting=meeting, name="会议签到表.pdf", content_type="application/pdf", size=9
    )
    attachment.file.save("sheet", ContentFile(b"%PDF-1.4\n"))
    notice = Notice.objects.create(
        recipient=users[MEMBER], topic="matrix", title="通知", created_at=start
    )
    feedback = Feedback.objects.create(
        submitter=users[MEMBER], organisation=branch1, category="complaint", text="投诉"
    )

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
    ids["meeting"], ids["member_id"] = meeting.pk, member.pk
    ids["notice"] = notice.pk
    ids["party_group"], ids["attachment"] = party_group.pk, attachment.pk
    ids["minutes_pdf"] = lambda: SimpleUploadedFile(
        "纪要.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"
    )
    ids["feedback"] = feedback.pk
    ids.update(certificates_world(member=member, training_class=klass))
    ids.update(training_world(member=member, sub1=sub1, sub2=sub2, branch2=branch2))
    context = {
        "users": users, "member": member, "other_member": other_member,
        "lecturer": profile, "district": district, "sub1": sub1, "sub2": sub2,
        "branch1": branch1, "branch2": branch2, "public": public,
        "public_asset": public_asset, "training_class": klass, "session": session,
        "ids": ids,
    }  # fmt: skip
    for app in APP_MATRICES:
        ids.update(_app_matrix(app).world(context))
    ids["year"] = timezone.localtime(start).year
    ids["today"] = lambda: timezone.localdate().isoformat()
    ids["meeting_code"] = lambda: learning_services.rotating_code(
        secret=meeting.checkin_secret,
        key=f"m{meeting.pk}",
        step=int(timezone.now().timestamp()) // learning_services.CHECKIN_STEP_SECONDS,
    )
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
    from django.urls import reverse

    for name in PROJECT_PAGE_ROWS:
        assert reverse(name, args=["x" * 32])
    rows = {row.name for row in ROWS if row.kind == "portal"}
    rows -= PORTAL_CONTENT_ROWS | PROJECT_PAGE_ROWS
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


# --- the admin ------------------------------------------------------------------------
#
# Every URL pattern under /admin/ is classified here; a pattern no rule classifies
# fails the test, so a new admin view has to say who may reach it. The generated
# views of the scoped viewsets (``dangke.admin_scope``: copy, history, usage, inspect,
# the chooser, exports, bulk actions, ...) are then requested, on SQLite and
# PostgreSQL, as an organisation admin of another subtree and as a lecturer.

SCOPED = "scoped"  # ``dangke.admin_scope``: objects of the user's scope only
EDITORS = "editors"  # model permissions that only editors and superusers hold
PAGES = "pages"  # Wagtail's page permissions + cms.permissions (test_lecturer_privacy)
COLLECTIONS = "collections"  # documents and images: collection permissions
OWN_RULE = "own rule"  # our own admin views; each checks its rule (tests/<app>/)
ADMIN_USERS = "admin users"  # any signed-in admin user; shows no one's content
PUBLIC = "public"  # sign-in and password reset

# (class, route prefix): the first prefix that matches a pattern's route decides.
ADMIN_URL_CLASSES: list[tuple[str, str]] = [
    (PUBLIC, "admin/login/"),
    (PUBLIC, "admin/password_reset/"),
    *((SCOPED, f"admin/{name}/") for name in (
        "organisations", "members", "organisation_admins", "assignments",
        "training_classes", "online_contests", "live_contests", "feedback",
    )),
    *((SCOPED, f"admin/snippets/{model}/") for model in (
        "cms/lecturer", "media_pipeline/videoasset", "media_pipeline/subtitle",
        "choose/cms/lecturer", "choose/media_pipeline/videoasset",
        "choose/media_pipeline/subtitle",
    )),
    *((EDITORS, f"admin/{name}/") for name in (
        "questions", "quizzes", "audit", "sites", "users", "groups", "api-tokens",
        "workflows", "collections", "redirects", "forms", "settings",
        "snippets/cms/redroute", "snippets/choose/cms/redroute",
        "snippets/search/searchsynonym", "snippets/choose/search/searchsynonym",
    )),
    *((PAGES, prefix) for prefix in (
        "admin/pages/", "admin/choose-page/", "admin/api/main/^pages/", "admin/reports/",
    )),
    *((COLLECTIONS, prefix) for prefix in (
        "admin/documents/", "admin/images/", "admin/api/main/^documents/",
        "admin/api/main/^images/",
    )),
    *((OWN_RULE, f"admin/{name}/") for name in (
        "learning", "assessment", "media/assets", "search/queries", "imports",
        "meetings", "training", "certificates", "figures",
    )),
    # Bulk actions: snippets' delete is ``dangke.admin_scope``'s (checked below);
    # pages', documents', images' and users' follow Wagtail's policies.
    *(pair for app in APP_MATRICES for pair in _app_matrix(app).ADMIN_CLASSES),
    (ADMIN_USERS, "admin/bulk/"),
    *((ADMIN_USERS, f"admin/{name}") for name in (
        "", "test404/", "failwhale/", "account/", "logout/", "dismissibles/",
        "editing-sessions/", "block-preview/", "tag-autocomplete/",
        "choose-external-link/", "choose-email-link/", "choose-phone-link/",
        "choose-anchor-link/", "embeds/", "snippets/", "sprite/", "jsi18n/", "^.*/$",
    )),
]  # fmt: skip


def _admin_patterns():
    """(route, callback) of every URL pattern under /admin/."""
    from django.urls import get_resolver

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif route.startswith("admin/"):
                yield route, pattern.callback

    return list(walk(get_resolver().url_patterns, ""))


ADMIN_EXACT_ROUTES = {"admin/", "admin/^.*/$"}  # the dashboard and Wagtail's 404


def _admin_class(route: str) -> str | None:
    for kind, prefix in ADMIN_URL_CLASSES:
        if route == prefix or (
            prefix not in ADMIN_EXACT_ROUTES and route.startswith(prefix)
        ):
            return kind
    return None


def _view_class(callback):
    return getattr(callback, "view_class", None) or getattr(
        getattr(callback, "__wrapped__", None), "view_class", None
    )


def test_every_admin_url_is_classified(db):
    patterns = _admin_patterns()
    unclassified = sorted(route for route, _ in patterns if _admin_class(route) is None)
    assert unclassified == [], "classify these admin URLs in ADMIN_URL_CLASSES"
    # What the table calls scoped is built by dangke.admin_scope, and only that.
    wrong = [
        route
        for route, callback in patterns
        if (_admin_class(route) == SCOPED)
        != hasattr(_view_class(callback), "admin_scope")
    ]
    assert wrong == [], "scoped in the table but not in the code, or the reverse"
    assert sum(_admin_class(route) == SCOPED for route, _ in patterns) > 60


ADMIN_SECRET = "甲党员adminsecret"  # the member's name, out of the other admin's scope
CONTEST_SECRET = "擂台赛contestsecret"
TEAM_CODE = "JOIN42"
VIDEO_SECRET = "别人的素材videosecret"


@pytest.fixture
def admin_world(tree, section):
    """A member, its organisation's records and contests under S1; another
    lecturer's video and subtitle. ``other_admin`` administers S2, ``lecturer``
    uploaded nothing of them, ``own_admin`` administers S1."""
    from assessment.models import LiveContest, LiveTeam, OnlineContest, Quiz
    from broadcasts.models import LiveLecture
    from feedback.models import Feedback
    from learning.models import Assignment, OrganisationAdministrator, TrainingClass
    from media_pipeline.models import Subtitle
    from reflections.models import Reflection

    sub1 = tree["sub1"]
    member = factories.member(organisation=tree["branch1"], username="member")
    member.name = ADMIN_SECRET
    member.save()
    own_admin = factories.org_admin(organisation=sub1, username="own_admin")
    other_admin = factories.org_admin(organisation=tree["sub2"], username="other_admin")
    editor = factories.user("editor", groups=["编辑"])
    lecturer = factories.user("lecturer", groups=["讲师"])
    other_lecturer = factories.user("other_lecturer", groups=["讲师"])
    live = LiveContest.objects.create(title=CONTEST_SECRET, organisation=sub1)
    LiveTeam.objects.create(contest=live, name="一队", join_code=TEAM_CODE)
    now = timezone.now()
    online = OnlineContest.objects.create(
        title=CONTEST_SECRET, organisation=sub1, opens_at=now,
        closes_at=now + timedelta(days=1),
        quiz=Quiz.objects.create(title="试卷", kind=Quiz.Kind.CONTEST),
    )  # fmt: skip
    course = factories.course(section, title="课程")
    asset = factories.video_asset(title=VIDEO_SECRET, uploaded_by=other_lecturer)
    objects = {
        "organisations": tree["branch1"],
        "members": member,
        "organisation_admins": OrganisationAdministrator.objects.get(user=own_admin),
        "assignments": Assignment.objects.create(
            content=course,
            organisation=sub1,
            created_by=editor,
            deadline=now.date() + timedelta(days=30),
        ),
        "training_classes": TrainingClass.objects.create(
            title=CONTEST_SECRET, organisation=sub1
        ),
        "online_contests": online,
        "live_contests": live,
        "live_lectures": LiveLecture.objects.create(
            title=CONTEST_SECRET, organisation=sub1, starts_at=now
        ),
        "feedback": Feedback.objects.create(
            submitter=member.user,
            organisation=tree["branch1"],
            category="complaint",
            text=f"投诉 {ADMIN_SECRET}",
        ),
        "reflections": Reflection.objects.create(
            author=member,
            organisation=tree["branch1"],
            kind="lesson",
            target_id=course.pk,
            target_title="心得",
            text=f"心得 {ADMIN_SECRET}",
        ),
        "snippets/cms/lecturer": factories.lecturer(name="乙老师", user=other_lecturer),
        "snippets/media_pipeline/videoasset": asset,
        "snippets/media_pipeline/subtitle": Subtitle.objects.create(
            asset=asset, content="WEBVTT\n"
        ),
    }
    factories.lecturer(name="甲老师", user=lecturer)
    factories.video_asset(title="自己的素材 own-video", uploaded_by=lecturer)
    return {
        "objects": objects,
        "users": {
            "other_admin": other_admin, "own_admin": own_admin, "lecturer": lecturer,
            "editor": editor,
        },
    }  # fmt: skip


def _admin_url(route: str, pk) -> str:
    """A concrete URL for ``route`` (a path() or re_path() pattern) naming ``pk``."""
    import re

    url = re.sub(r"<(?:\w+:)?pk>", str(pk), route)
    url = re.sub(r"\(\?P<pk>[^)]*\)", str(pk), url)
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", "1", url)
    url = re.sub(r"<(?:\w+:)?\w+>", "1", url)
    return "/" + url.lstrip("^").replace("^", "").rstrip("$")


def _scope_owner(route: str, world: dict) -> tuple[str, object]:
    """The viewset key of ``route`` and its out-of-scope object."""
    key = route.removeprefix("admin/").replace("snippets/choose/", "snippets/")
    for name, obj in world["objects"].items():
        if key.startswith(name + "/"):
            return name, obj
    raise AssertionError(f"no out-of-scope object for {route}")


# Snippets whose viewset's scope is its permission policy (PolicyScopedViewSetMixin).
POLICY_SCOPED = {"snippets/cms/lecturer", "snippets/media_pipeline/videoasset"}

# ASCII parts: the choosers answer JSON, which escapes Chinese.
OUT_OF_SCOPE_SECRETS = ("adminsecret", "contestsecret", TEAM_CODE, "videosecret")


def test_generated_admin_views_keep_to_the_scope(admin_world, client_for):
    """Every view a scoped viewset generates refuses an object outside the scope
    (an organisation admin of S2: 404; a lecturer: refused), listings, exports and choosers
    leave it out, and nothing of it shows."""
    clients = {role: client_for(user) for role, user in admin_world["users"].items()}
    wrong: list[str] = []
    scoped = [route for route, _ in _admin_patterns() if _admin_class(route) == SCOPED]
    for route in scoped:
        name, obj = _scope_owner(route, admin_world)
        # The role holding the model permission: it reaches the view, not the object.
        role = "lecturer" if name.startswith("snippets/") else "other_admin"
        # Where the permission policy is the scope (a lecturer's own profile and
        # videos) the object is refused as Wagtail refuses a permission (403, or a
        # redirect to the dashboard with a message); elsewhere it is not found.
        policy = name in POLICY_SCOPED and "/choose/" not in route
        refused = (302, 403) if policy else (404,)
        url = _admin_url(route, obj.pk)
        names_object = "pk>" in route or "(?P<pk>" in route
        for method in ("GET", "POST"):
            for who in ("other_admin", "lecturer"):
                client = clients[who]
                response = client.get(url) if method == "GET" else client.post(url, {})
                status = response.status_code
                body = _body(response)
                if names_object and who == role and status not in refused:
                    wrong.append(
                        f"{method} {url} as {who}: {status}, expected {refused}"
                    )
                elif status == 200 and any(s in body for s in OUT_OF_SCOPE_SECRETS):
                    wrong.append(
                        f"{method} {url} as {who} shows an out-of-scope object"
                    )
                elif status >= 500:
                    wrong.append(f"{method} {url} as {who}: {status}")
    # Listings, their exports and the choosers' lists and picks.
    lists = {
        "other_admin": [
            f"/admin/{name}/{suffix}"
            for name in ("members", "organisations", "organisation_admins",
                         "assignments", "training_classes", "online_contests",
                         "live_contests", "feedback")
            for suffix in ("", "results/", "?export=csv", "?export=xlsx", "?q=secret")
        ],
        "lecturer": [
            f"/admin/snippets/{prefix}{model}/{suffix}"
            for prefix in ("", "choose/")
            for model in ("cms/lecturer", "media_pipeline/videoasset",
                          "media_pipeline/subtitle")
            for suffix in ("", "results/", "?q=别人")
        ] + [
            "/admin/snippets/choose/media_pipeline/videoasset/chosen-multiple/"
            f"?id={admin_world['objects']['snippets/media_pipeline/videoasset'].pk}",
        ],
    }  # fmt: skip
    for who, urls in lists.items():
        for url in urls:
            response = clients[who].get(url)
            body = _body(response)
            if response.status_code >= 500:
                wrong.append(f"GET {url} as {who}: {response.status_code}")
            elif any(secret in body for secret in OUT_OF_SCOPE_SECRETS):
                wrong.append(f"GET {url} as {who} shows an out-of-scope object")
    # Snippets' bulk delete names the objects it refuses: not outside the scope.
    for name in (
        "cms/lecturer",
        "media_pipeline/videoasset",
        "media_pipeline/subtitle",
    ):
        obj = admin_world["objects"][f"snippets/{name}"]
        url = f"/admin/bulk/{name.replace('/', '/')}/delete/?id={obj.pk}"
        for method in ("GET", "POST"):
            client = clients["lecturer"]
            response = client.get(url) if method == "GET" else client.post(url)
            if response.status_code != 404:
                wrong.append(f"{method} {url} as lecturer: {response.status_code}")
    assert wrong == [], "\n" + "\n".join(wrong)
    assert (
        admin_world["objects"]["snippets/media_pipeline/videoasset"]
        .__class__.objects.filter(title=VIDEO_SECRET)
        .exists()
    )


def test_generated_admin_views_still_serve_the_scope(admin_world, client_for):
    """Within the scope the same views answer: the S1 admin opens the member's
    history, usage and copy; the editor every object's."""
    objects = admin_world["objects"]
    own = client_for(admin_world["users"]["own_admin"])
    editor = client_for(admin_world["users"]["editor"])
    member = objects["members"]
    for view in ("edit", "history", "usage", "copy"):
        url = f"/admin/members/{view}/{member.pk}/"
        assert own.get(url).status_code == 200, url
        assert editor.get(url).status_code == 200, url
    assert ADMIN_SECRET in _body(own.get("/admin/members/?q=secret"))
    live = objects["live_contests"]
    assert TEAM_CODE in _body(own.get("/admin/live_contests/"))
    assert own.get(f"/admin/live_contests/copy/{live.pk}/").status_code == 200
    asset = objects["snippets/media_pipeline/videoasset"]
    for view in ("edit", "history", "usage"):
        url = f"/admin/snippets/media_pipeline/videoasset/{view}/{asset.pk}/"
        assert editor.get(url).status_code == 200, url
    chooser = editor.get("/admin/snippets/choose/media_pipeline/videoasset/")
    assert "videosecret" in _body(chooser)
    lecturer = client_for(admin_world["users"]["lecturer"])
    own_chooser = _body(
        lecturer.get("/admin/snippets/choose/media_pipeline/videoasset/")
    )
    assert "own-video" in own_chooser and "videosecret" not in own_chooser
