"""Bad bodies sent to the upload endpoints are 4xx problem documents that name the
problem, and store nothing: no boundary, a truncated body, the wrong content type, an
empty file, a huge declared length (issue 12, A3)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests import factories
from tests.helpers import assert_problem, bearer

BOUNDARY = "dangkeBoundary7MA4YWxk"
CUE = "WEBVTT\n\n00:00.000 --> 00:01.000\n同志们好\n".encode()


def _form(content: bytes = CUE, *, field: str = "file") -> bytes:
    return (
        (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="label"\r\n\r\n中文\r\n'
            f"--{BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="zh.vtt"\r\n'
            "Content-Type: text/vtt\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


@pytest.fixture
def subtitles(db, lecturer_user, token_for):
    asset = factories.video_asset(title="字幕", uploaded_by=lecturer_user)
    headers = bearer(token_for(lecturer_user))

    def post(body: bytes, content_type: str, **extra):
        return Client().generic(
            "POST",
            f"/api/v3/media/assets/{asset.pk}/subtitles/",
            body,
            content_type=content_type,
            **headers,
            **extra,
        )

    post.asset = asset
    return post


BAD_SUBTITLE_BODIES = {
    # name: (body, content type, extra environ, status, code)
    "no boundary": (_form(), "multipart/form-data", {}, 400, "bad_multipart"),
    "empty boundary": (_form(), "multipart/form-data; boundary=", {}, 400, None),
    "truncated end": (_form()[:-30], MULTIPART, {}, 400, "truncated_body"),
    "truncated in headers": (_form()[:90], MULTIPART, {}, 400, "truncated_body"),
    "no body": (b"", MULTIPART, {"CONTENT_TYPE": MULTIPART}, 400, "truncated_body"),
    "json": (b'{"file": "WEBVTT"}', "application/json", {}, 415, None),
    "plain text": (CUE, "text/vtt", {}, 415, "unsupported_media_type"),
    "urlencoded": (b"file=x", "application/x-www-form-urlencoded", {}, 415, None),
    "empty file": (_form(b""), MULTIPART, {}, 400, "empty_file"),
    "wrong field": (_form(field="subtitle"), MULTIPART, {}, 400, "file_missing"),
    "huge length": (_form(), MULTIPART, {"CONTENT_LENGTH": str(10**12)}, 413, None),
    "above limit": (_form(), MULTIPART, {"CONTENT_LENGTH": str(3 << 20)}, 413, None),
}


def test_a_bad_subtitle_body_is_a_named_4xx_and_stores_nothing(subtitles):
    for name, (body, content_type, extra, status, code) in BAD_SUBTITLE_BODIES.items():
        answer = subtitles(body, content_type, **extra)
        assert answer.status_code == status, (name, answer.content)
        problem = assert_problem(answer, status, code)
        assert "Traceback" not in problem["detail"], name
    assert subtitles.asset.subtitles.count() == 0
    answer = subtitles(_form(), MULTIPART)
    assert answer.status_code == 201, answer.content
    assert subtitles.asset.subtitles.get().label == "中文"


def test_a_body_checks_before_auth_never_reveal_an_asset(db, client):
    # An anonymous caller with a good form is refused for who it is, not its body.
    answer = client.generic(
        "POST", "/api/v3/media/assets/1/subtitles/", _form(), content_type=MULTIPART
    )
    assert answer.status_code == 401


def test_session_csrf_check_on_a_bodyless_multipart_is_a_problem(db, lecturer_user):
    # The CSRF check of a session reads the form: a body without a boundary used to
    # escape the API as Django's HTML page (or a 500 with DEBUG).
    client = Client(enforce_csrf_checks=True)
    client.force_login(lecturer_user)
    client.cookies["csrftoken"] = "a" * 32
    for url in ("/api/v3/media/uploads/", "/api/v3/learning/progress"):
        answer = client.generic(
            "POST",
            url,
            _form(),
            content_type="multipart/form-data",
            HTTP_TUS_RESUMABLE="1.0.0",
            HTTP_UPLOAD_LENGTH="10",
        )
        assert_problem(answer, 400, "bad_multipart")


def test_a_json_body_above_the_memory_limit_is_413(db, client, token_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    beat = {"lesson": 1, "playback_id": "x" * 2000, "seq": 0, "ranges": []}
    answer = client.post(
        "/api/v3/learning/progress",
        data=json.dumps(beat),
        content_type="application/json",
        **bearer(token_for(factories.user("outsider"))),
    )
    assert_problem(answer, 413, "too_large")


def test_tus_patch_bad_bodies_are_named_and_keep_the_offset(
    db, client, lecturer_user, token_for
):
    headers = {**bearer(token_for(lecturer_user)), "HTTP_TUS_RESUMABLE": "1.0.0"}
    created = client.post("/api/v3/media/uploads/", HTTP_UPLOAD_LENGTH="10", **headers)
    location = created["Location"]

    def patch(body: bytes, content_type: str, **extra):
        return client.generic(
            "PATCH",
            location,
            body,
            content_type=content_type,
            HTTP_UPLOAD_OFFSET="0",
            **headers,
            **extra,
        )

    assert_problem(patch(b"abc", "multipart/form-data"), 415, "content_type")
    assert_problem(patch(b"abc", "application/json"), 415, "content_type")
    huge = {"CONTENT_LENGTH": str(10**12)}
    assert_problem(
        patch(b"abc", "application/offset+octet-stream", **huge),
        413,
        "upload_too_large",
    )
    empty = patch(
        b"",
        "application/offset+octet-stream",
        CONTENT_TYPE="application/offset+octet-stream",
    )
    assert empty.status_code == 204 and empty["Upload-Offset"] == "0"
    assert patch(b"abcde", "application/offset+octet-stream").status_code == 204
    head = client.head(location, **headers)
    assert head["Upload-Offset"] == "5"


class _BrokenBody:
    """A request body whose connection drops after ``keep`` bytes."""

    def __init__(self, data: bytes, keep: int):
        self.data, self.keep, self.sent = data, keep, 0

    def read(self, size: int) -> bytes:
        from django.http import UnreadablePostError

        if self.sent >= self.keep:
            raise UnreadablePostError("Connection reset by peer")
        chunk = self.data[self.sent : min(self.keep, self.sent + size)]
        self.sent += len(chunk)
        return chunk


def test_a_tus_body_that_breaks_off_keeps_what_arrived(db, lecturer_user):
    import base64
    import hashlib

    from media_pipeline.errors import UploadInterrupted
    from media_pipeline.services import tus_upload_append, tus_upload_create

    upload = tus_upload_create(owner=lecturer_user, length=10)
    with pytest.raises(UploadInterrupted) as raised:
        tus_upload_append(
            upload=upload,
            offset=0,
            stream=_BrokenBody(b"abcdefghij", 4),
            content_length=10,
        )
    assert "4" in raised.value.detail
    upload.refresh_from_db()
    assert upload.offset == 4  # kept: the client resumes at 4
    # A checksummed chunk that breaks off cannot be verified: it is not kept.
    digest = hashlib.sha256(b"efghij").digest()
    checksum = "sha256 " + base64.b64encode(digest).decode()
    with pytest.raises(UploadInterrupted):
        tus_upload_append(
            upload=upload,
            offset=4,
            stream=_BrokenBody(b"efghij", 3),
            content_length=6,
            checksum=checksum,
        )
    upload.refresh_from_db()
    assert upload.offset == 4
    done = tus_upload_append(
        upload=upload,
        offset=4,
        stream=_BrokenBody(b"efghij", 6 + 1),
        content_length=6,
        checksum=checksum,
    )
    assert done.asset.checksum == hashlib.sha256(b"abcdefghij").hexdigest()
