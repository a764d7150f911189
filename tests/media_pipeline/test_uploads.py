"""tus 1.0 resumable uploads and the admin's plain upload form."""

from __future__ import annotations

import base64
import datetime
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from media_pipeline.models import TusUpload, VideoAsset
from media_pipeline.services import tus_uploads_purge_expired

URL = "/api/v3/media/uploads/"
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


def _meta(**values: str) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}"
        for key, value in values.items()
    )


def _auth(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", **TUS}


def _create(client: Client, headers: dict, length: int, **meta: str):
    return client.post(
        URL,
        HTTP_UPLOAD_LENGTH=str(length),
        HTTP_UPLOAD_METADATA=_meta(**meta),
        **headers,
    )


def _patch(
    client: Client, location: str, headers: dict, offset: int, body: bytes, **extra
):
    return client.patch(
        location,
        data=body,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET=str(offset),
        **headers,
        **extra,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_tuspy_uploads_in_chunks_interrupts_and_resumes(
    live_server, lecturer_user, token_for, clips, ffmpeg_binaries
):
    from tusclient import client as tus_client

    path = clips.video(seconds=1.0)
    data = path.read_bytes()
    headers = {"Authorization": f"Bearer {token_for(lecturer_user)}"}
    chunk = max(1024, len(data) // 5)

    first = tus_client.TusClient(live_server.url + URL, headers=headers).uploader(
        str(path),
        chunk_size=chunk,
        upload_checksum=True,
        metadata={"filename": "党史第一课.mp4", "title": "党史第一课"},
    )
    first.upload_chunk()
    first.upload_chunk()
    url = first.url  # the connection "drops" here; a new client resumes from the URL
    upload = TusUpload.objects.get()
    assert upload.offset == 2 * chunk and upload.asset is None

    resumed = tus_client.TusClient(live_server.url + URL, headers=headers).uploader(
        str(path), url=url, chunk_size=chunk, upload_checksum=True
    )
    assert resumed.offset == 2 * chunk
    resumed.upload()

    upload.refresh_from_db()
    asset = upload.asset
    assert asset.checksum == hashlib.sha256(data).hexdigest()
    assert asset.size == len(data)
    assert asset.uploaded_by == lecturer_user
    assert asset.title == "党史第一课" and asset.original_filename == "党史第一课.mp4"
    assert asset.status == VideoAsset.Status.READY  # queued on commit, run eagerly
    assert asset.file.read() == data


@pytest.fixture
def lecturer_headers(lecturer_user, token_for):
    return _auth(token_for(lecturer_user))


def test_options_advertises_extensions(client):
    response = client.options(URL)
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) == {
        "creation",
        "termination",
        "checksum",
        "expiration",
    }
    assert "sha1" in response["Tus-Checksum-Algorithm"]


@pytest.mark.django_db
def test_create_and_head(client, lecturer_headers):
    response = _create(client, lecturer_headers, 10, filename="a.mp4")
    assert response.status_code == 201, response.content
    location = response["Location"]
    assert response["Upload-Expires"]
    head = client.head(location, **lecturer_headers)
    assert head.status_code == 200
    assert head["Upload-Offset"] == "0" and head["Upload-Length"] == "10"
    assert head["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_session_login_may_upload(client_for, editor):
    client = client_for(editor)
    assert _create(client, TUS, 10).status_code == 201


@pytest.mark.django_db
def test_members_and_anonymous_may_not_upload(client, client_for, member_user):
    assert _create(client, TUS, 10).status_code == 401
    response = _create(client_for(member_user), TUS, 10)
    assert (
        response.status_code == 403 and response.json()["code"] == "permission_denied"
    )


@pytest.mark.django_db
def test_missing_tus_resumable_is_412(client_for, editor):
    response = client_for(editor).post(URL, HTTP_UPLOAD_LENGTH="10")
    assert response.status_code == 412 and response["Tus-Version"] == "1.0.0"


@pytest.mark.django_db
def test_wrong_offset_is_409_and_keeps_bytes(client, lecturer_headers):
    location = _create(client, lecturer_headers, 10)["Location"]
    assert _patch(client, location, lecturer_headers, 0, b"01234").status_code == 204
    response = _patch(client, location, lecturer_headers, 3, b"xxxxx")
    assert response.status_code == 409 and response.json()["code"] == "offset_mismatch"
    assert client.head(location, **lecturer_headers)["Upload-Offset"] == "5"


@pytest.mark.django_db
def test_bad_checksum_is_460_and_discards_only_that_chunk(client, lecturer_headers):
    location = _create(client, lecturer_headers, 10)["Location"]
    _patch(client, location, lecturer_headers, 0, b"01234")
    wrong = base64.b64encode(
        hashlib.sha1(b"other", usedforsecurity=False).digest()
    ).decode()
    response = _patch(
        client,
        location,
        lecturer_headers,
        5,
        b"56789",
        HTTP_UPLOAD_CHECKSUM=f"sha1 {wrong}",
    )
    assert (
        response.status_code == 460 and response.json()["code"] == "checksum_mismatch"
    )
    assert client.head(location, **lecturer_headers)["Upload-Offset"] == "5"
    upload = TusUpload.objects.get()
    assert (_upload_dir() / f"{upload.pk.hex}.part").read_bytes() == b"01234"


def _upload_dir():
    from django.conf import settings

    return settings.MEDIA_UPLOAD_DIR


@pytest.mark.django_db
def test_unknown_checksum_algorithm_is_400(client, lecturer_headers):
    location = _create(client, lecturer_headers, 5)["Location"]
    response = _patch(
        client,
        location,
        lecturer_headers,
        0,
        b"01234",
        HTTP_UPLOAD_CHECKSUM="crc32 AAAA",
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_another_users_upload_is_404(client, lecturer_headers, editor, token_for):
    location = _create(client, lecturer_headers, 10)["Location"]
    other = _auth(token_for(editor))
    assert _patch(client, location, other, 0, b"01234").status_code == 404
    assert client.head(location, **other).status_code == 404
    assert client.delete(location, **other).status_code == 404
    assert TusUpload.objects.get().offset == 0


@pytest.mark.django_db
def test_over_the_size_limit_is_413(client, lecturer_headers, settings):
    settings.MEDIA_UPLOAD_MAX_SIZE = 8
    response = _create(client, lecturer_headers, 9)
    assert response.status_code == 413 and response.json()["code"] == "upload_too_large"
    location = _create(client, lecturer_headers, 8)["Location"]
    assert (
        _patch(client, location, lecturer_headers, 0, b"0123456789").status_code == 413
    )
    assert client.head(location, **lecturer_headers)["Upload-Offset"] == "0"


@pytest.mark.django_db
def test_zero_byte_upload_is_refused_clearly(client, lecturer_headers):
    response = _create(client, lecturer_headers, 0)
    assert response.status_code == 400 and response.json()["code"] == "empty_upload"
    assert not TusUpload.objects.exists()


@pytest.mark.django_db
def test_termination_removes_the_bytes(client, lecturer_headers):
    location = _create(client, lecturer_headers, 10)["Location"]
    _patch(client, location, lecturer_headers, 0, b"01234")
    part = _upload_dir() / f"{TusUpload.objects.get().pk.hex}.part"
    assert part.exists()
    assert client.delete(location, **lecturer_headers).status_code == 204
    assert not part.exists() and not TusUpload.objects.exists()
    assert client.head(location, **lecturer_headers).status_code == 404


@pytest.mark.django_db
def test_expired_uploads_answer_410_and_are_purged(client, lecturer_headers):
    location = _create(client, lecturer_headers, 10)["Location"]
    TusUpload.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.head(location, **lecturer_headers).status_code == 410
    response = _patch(client, location, lecturer_headers, 0, b"01234")
    assert response.status_code == 410 and response.json()["code"] == "upload_expired"
    assert tus_uploads_purge_expired() == 1
    assert not TusUpload.objects.exists()
    assert not list(_upload_dir().iterdir())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["../../etc/passwd.mp4", "a\x00b.mp4", "\u202egnp.mp4", "-i.mp4", "-i"]
)
def test_hostile_file_names_are_stored_under_a_generated_key(
    client, lecturer_headers, name, django_capture_on_commit_callbacks
):
    location = _create(client, lecturer_headers, 4, filename=name)["Location"]
    with django_capture_on_commit_callbacks(execute=False):
        assert _patch(client, location, lecturer_headers, 0, b"abcd").status_code == 204
    asset = TusUpload.objects.get().asset
    assert asset.file.name.startswith("originals/")
    assert len(asset.file.name) == len("originals/") + 32
    assert "/" not in asset.original_filename and "\x00" not in asset.original_filename
    assert "\u202e" not in asset.original_filename
    assert asset.file.read() == b"abcd"


@pytest.mark.django_db
def test_bad_metadata_is_400(client, lecturer_headers):
    response = client.post(
        URL,
        HTTP_UPLOAD_LENGTH="5",
        HTTP_UPLOAD_METADATA="filename !!!",
        **lecturer_headers,
    )
    assert (
        response.status_code == 400 and "Upload-Metadata" in response.json()["detail"]
    )


@pytest.mark.slow
@pytest.mark.django_db
def test_admin_upload_form_stores_and_processes(
    client_for, editor, clips, ffmpeg_binaries, django_capture_on_commit_callbacks
):
    path = clips.video(seconds=1.0)
    with open(path, "rb") as handle, django_capture_on_commit_callbacks(execute=True):
        response = client_for(editor).post(
            "/admin/snippets/media_pipeline/videoasset/add/",
            {"title": "表单上传", "file": handle},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    asset = VideoAsset.objects.get(title="表单上传")
    assert asset.uploaded_by == editor
    assert asset.checksum == hashlib.sha256(path.read_bytes()).hexdigest()
    assert asset.status == VideoAsset.Status.READY


@pytest.mark.django_db
def test_admin_upload_form_rejects_an_empty_file(client_for, editor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(editor).post(
        "/admin/snippets/media_pipeline/videoasset/add/",
        {"title": "空", "file": SimpleUploadedFile("empty.mp4", b"")},
    )
    assert response.status_code == 200
    assert not VideoAsset.objects.exists()


@pytest.mark.django_db
def test_the_admin_session_uploads_over_tus_with_its_csrf_token(editor):
    """The admin's upload form speaks tus with the session cookie: every operation
    that changes something needs the CSRF token (the X-CSRFToken header, as
    tus-js-client's ``headers`` sends it); HEAD reads without one."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    token = (
        client.get("/admin/snippets/media_pipeline/videoasset/add/")
        .cookies["csrftoken"]
        .value
    )
    csrf = {"HTTP_X_CSRFTOKEN": token, **TUS}
    assert _create(client, TUS, 10).status_code == 403  # no token: refused
    assert not TusUpload.objects.exists()
    created = _create(client, csrf, 10, filename="课.mp4", title="表单续传")
    assert created.status_code == 201
    location = created["Location"]
    assert _patch(client, location, TUS, 0, b"01234").status_code == 403
    assert _patch(client, location, csrf, 0, b"01234").status_code == 204
    head = client.head(location, **TUS)
    assert head.status_code == 200 and head["Upload-Offset"] == "5"
    done = _patch(client, location, csrf, 5, b"56789")
    assert done.status_code == 204
    asset = VideoAsset.objects.get(pk=int(done["Upload-Asset-Id"]))
    assert asset.title == "表单续传" and asset.uploaded_by == editor
    assert client.delete(location, **TUS).status_code == 403


@pytest.mark.django_db
def test_the_admin_form_offers_the_resumable_upload(client_for, editor):
    """A new video's file input carries the tus endpoint and loads tus-js-client
    (served from npm's copy) and upload.js; the form still posts the file without
    script (multipart, the same field). Replacing an original posts the file."""
    client = client_for(editor)
    html = client.get("/admin/snippets/media_pipeline/videoasset/add/").content
    html = html.decode()
    assert 'data-tus-endpoint="/api/v3/media/uploads/"' in html
    assert 'data-asset-url="/admin/snippets/media_pipeline/videoasset/edit/0/"' in html
    assert "/static/themes/vendor/tus.min.js" in html
    assert 'src="/static/media_pipeline/upload.js" type="module"' in html
    assert 'enctype="multipart/form-data"' in html and 'name="file"' in html
    assert "<progress" in html
    asset = VideoAsset.objects.create(title="已有", uploaded_by=editor)
    html = client.get(
        f"/admin/snippets/media_pipeline/videoasset/edit/{asset.pk}/"
    ).content.decode()
    assert "data-tus-endpoint" not in html and 'name="file"' in html
