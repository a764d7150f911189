"""Who may play an asset (registered viewer rules), the one readiness rule, the
problem documents of every media endpoint, and media_pipeline importing no app."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from media_pipeline import selectors
from media_pipeline.models import VideoAsset
from media_pipeline.signing import signed_query
from tests import factories

pytestmark = pytest.mark.django_db

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}
UPLOADS = "/api/v3/media/uploads/"


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert PROBLEM_KEYS <= set(body) and body["status"] == status
    assert body["code"] == code and body["detail"]
    return body


@pytest.fixture
def viewer_rules(monkeypatch) -> list:
    """An empty rule registry for the test (the apps' own rules put aside)."""
    rules: list = []
    monkeypatch.setattr(selectors, "_VIEWER_RULES", rules)
    return rules


def _request(user=None, **params: str):
    request = RequestFactory().get("/", params)
    request.user = user or AnonymousUser()
    return request


def test_playable_means_a_published_version():
    unready = factories.video_asset(status="ready")
    assert not selectors.video_asset_is_playable(asset=unready)
    assert not unready.is_playable
    # A re-run in progress (or failed) keeps the published version playing.
    rerun = factories.video_asset(status="transcoding", published_version=2)
    assert selectors.video_asset_is_playable(asset=rerun) and rerun.is_playable


def test_registered_rules_decide_for_everyone_else(viewer_rules, lecturer_user):
    asset = factories.video_asset(published_version=1, uploaded_by=lecturer_user)
    calls: list = []

    def rule(*, asset, request):
        calls.append((asset.pk, request.GET.get("page")))
        return request.GET.get("page") == "ok"

    assert not selectors.video_asset_visible_to(asset=asset, request=_request())
    selectors.video_asset_viewer_rule_register(rule)
    selectors.video_asset_viewer_rule_register(rule)  # registered once
    assert viewer_rules == [rule]
    assert selectors.video_asset_visible_to(asset=asset, request=_request(page="ok"))
    assert not selectors.video_asset_visible_to(asset=asset, request=_request())
    assert calls == [(asset.pk, "ok"), (asset.pk, None)]
    # The uploader and editors preview without asking the rules.
    assert selectors.video_asset_visible_to(
        asset=asset, request=_request(lecturer_user)
    )
    assert len(calls) == 2


def test_nothing_unplayable_is_visible(viewer_rules, editor):
    asset = factories.video_asset(status="ready", uploaded_by=editor)
    selectors.video_asset_viewer_rule_register(lambda *, asset, request: True)
    assert not selectors.video_asset_visible_to(asset=asset, request=_request(editor))


def test_unsigned_master_for_a_requester_a_rule_lets_play(client, viewer_rules):
    asset = factories.video_asset(published_version=1)
    url = f"/api/v3/media/assets/{asset.pk}/hls/master.m3u8"
    _problem(client.get(url), 404, "not_found")
    selectors.video_asset_viewer_rule_register(lambda *, asset, request: True)
    # Let through, then not found in storage (no files were made for this asset).
    body = _problem(client.get(url), 404, "not_found")
    assert body["detail"] == "文件不存在"


def test_playback_refusals_are_problem_documents(client, settings):
    asset = factories.video_asset(published_version=1)
    base = f"/api/v3/media/assets/{asset.pk}"
    _problem(client.get(f"{base}/hls/master.m3u8"), 404, "not_found")
    _problem(client.get(f"{base}/hls/../secret.m3u8"), 404, "not_found")
    _problem(client.get(f"{base}/files/180p/seg_00000.ts"), 404, "not_found")
    _problem(client.get("/api/v3/media/assets/999999/files/a.ts"), 404, "not_found")
    signed = f"{base}/files/poster.jpg?" + signed_query(asset.pk, "poster.jpg")
    _problem(client.get(signed), 404, "not_found")  # signed, but no such file
    settings.MEDIA_SIGNED_URL_SECONDS = -5
    expired = f"{base}/hls/master.m3u8?" + signed_query(asset.pk, "master.m3u8")
    _problem(client.get(expired), 403, "url_expired")
    expired = f"{base}/files/poster.jpg?" + signed_query(asset.pk, "poster.jpg")
    _problem(client.get(expired), 403, "url_expired")
    unplayable = factories.video_asset(status="transcoding")
    path = "master.m3u8"
    url = f"/api/v3/media/assets/{unplayable.pk}/hls/{path}?"
    settings.MEDIA_SIGNED_URL_SECONDS = 3600
    _problem(client.get(url + signed_query(unplayable.pk, path)), 404, "not_found")


def test_asset_endpoints_refuse_with_problem_documents(
    client_for, lecturer_user, member_user
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    asset = factories.video_asset(uploaded_by=lecturer_user)
    _problem(
        client_for(member_user).get(f"/api/v3/media/assets/{asset.pk}/"),
        404,
        "asset_not_found",
    )
    response = client_for(lecturer_user).post(
        f"/api/v3/media/assets/{asset.pk}/subtitles/",
        {"file": SimpleUploadedFile("x.srt", "\xff".encode("latin-1"))},
    )
    body = _problem(response, 400, "bad_subtitle")
    assert "UTF-8" in body["detail"]


def test_tus_refusals_are_problem_documents_with_tus_headers(
    client, client_for, editor, member_user
):
    response = client_for(editor).post(UPLOADS, HTTP_UPLOAD_LENGTH="10")
    _problem(response, 412, "tus_version")
    assert response["Tus-Version"] == "1.0.0" and response["Tus-Resumable"] == "1.0.0"

    tus = {"HTTP_TUS_RESUMABLE": "1.0.0"}
    response = client_for(member_user).post(UPLOADS, HTTP_UPLOAD_LENGTH="10", **tus)
    _problem(response, 403, "permission_denied")
    assert response["Tus-Resumable"] == "1.0.0"

    editor_client = client_for(editor)
    response = editor_client.post(UPLOADS, HTTP_UPLOAD_LENGTH="ten", **tus)
    _problem(response, 400, "bad_header")
    location = editor_client.post(UPLOADS, HTTP_UPLOAD_LENGTH="10", **tus)["Location"]
    response = editor_client.patch(
        location, data=b"01234", content_type="text/plain", **tus
    )
    _problem(response, 415, "content_type")
    assert response["Tus-Resumable"] == "1.0.0"
    response = editor_client.patch(
        location,
        data=b"01234",
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
        HTTP_UPLOAD_CHECKSUM="sha256 !!!",
        **tus,
    )
    _problem(response, 400, "checksum_header")

    unknown = f"{UPLOADS}00000000000000000000000000000000/"
    response = editor_client.delete(unknown, **tus)
    _problem(response, 404, "upload_not_found")
    head = editor_client.head(unknown, **tus)
    assert head.status_code == 404 and head.content == b""
    assert head["Tus-Resumable"] == "1.0.0"


def test_openapi_documents_media_errors_with_the_one_schema(client):
    paths = client.get("/api/v3/openapi.json").json()["paths"]
    append = paths["/api/v3/media/uploads/{upload_id}/"]["patch"]["responses"]
    assert {"409", "460"} <= set(append)
    schema = append["460"]["content"]["application/json"]["schema"]["$ref"]
    assert schema.endswith("/ErrorOut")
    detail = paths["/api/v3/media/assets/{asset_id}/"]["get"]["responses"]
    assert detail["404"]["content"]["application/json"]["schema"]["$ref"] == schema


def test_media_pipeline_imports_no_other_app():
    root = Path(selectors.__file__).resolve().parent
    others = {"cms", "learning", "search", "themes", "assessment"}
    found = []
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            found += [
                f"{path.name}: {name}" for name in names if name.split(".")[0] in others
            ]
    assert found == []


def test_template_helper_and_selector_agree():
    asset = VideoAsset(published_version=None)
    assert asset.is_playable is selectors.video_asset_is_playable(asset=asset)
    assert not hasattr(VideoAsset, "is_ready")
