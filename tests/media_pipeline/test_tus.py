"""tus header parsing: pure functions that refuse with media errors."""

from __future__ import annotations

import base64
import hashlib

import pytest

from dangke.api_errors import status_for
from media_pipeline import errors
from media_pipeline.services import (
    tus_checksum_parse,
    tus_content_length,
    tus_content_type_check,
    tus_int_header,
    tus_metadata_parse,
)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_metadata_pairs_are_decoded():
    header = f"filename {_b64('党史.mp4')}, title {_b64('第一课')},is_confidential"
    assert tus_metadata_parse(header=header) == {
        "filename": "党史.mp4",
        "title": "第一课",
        "is_confidential": "",
    }
    assert tus_metadata_parse(header=None) == {}


@pytest.mark.parametrize("value", ["!!!", base64.b64encode(b"\xff").decode()])
def test_metadata_that_is_not_base64_utf8_is_refused(value):
    with pytest.raises(errors.BadUploadHeader) as caught:
        tus_metadata_parse(header=f"filename {value}")
    assert caught.value.code == "bad_metadata" and "Upload-Metadata" in str(
        caught.value
    )
    assert status_for(caught.value) == 400


@pytest.mark.parametrize("value", [None, "", "-1", "1.5", "１２", "ten"])
def test_integer_headers_must_be_plain_digits(value):
    with pytest.raises(errors.BadUploadHeader) as caught:
        tus_int_header(name="Upload-Offset", value=value)
    assert caught.value.code == "bad_header" and "Upload-Offset" in caught.value.detail


def test_integer_header_and_content_length():
    assert tus_int_header(name="Upload-Length", value="42") == 42
    assert tus_content_length(value="7") == 7
    assert tus_content_length(value=None) is None
    assert tus_content_length(value="x") is None


def test_checksum_header():
    digest = hashlib.sha256(b"abc").digest()
    assert tus_checksum_parse(header=None) is None
    assert tus_checksum_parse(header=f"sha256 {base64.b64encode(digest).decode()}") == (
        "sha256",
        digest,
    )
    with pytest.raises(errors.BadUploadHeader) as caught:
        tus_checksum_parse(header="crc32 AAAA")
    assert caught.value.code == "checksum_algorithm"
    with pytest.raises(errors.BadUploadHeader) as caught:
        tus_checksum_parse(header="sha1 not-base64!")
    assert caught.value.code == "checksum_header"


def test_content_type():
    tus_content_type_check(content_type="application/offset+octet-stream")
    with pytest.raises(errors.UnsupportedUploadType) as caught:
        tus_content_type_check(content_type="application/json")
    assert status_for(caught.value) == 415 and caught.value.code == "content_type"


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (errors.UploadNotFound(), 404, "upload_not_found"),
        (errors.UploadExpired(), 410, "upload_expired"),
        (errors.UploadTooLarge(), 413, "upload_too_large"),
        (errors.UploadConflict("x", code="offset_mismatch"), 409, "offset_mismatch"),
        (errors.UploadChecksumMismatch(), 460, "checksum_mismatch"),
        (errors.TusVersionMissing(), 412, "tus_version"),
        (errors.EmptyUpload(), 400, "empty_upload"),
        (errors.UploadNotPermitted(), 403, "permission_denied"),
        (errors.AssetNotFound(), 404, "asset_not_found"),
        (errors.BadSubtitle(), 400, "bad_subtitle"),
        (errors.PlaybackUrlExpired(), 403, "url_expired"),
        (errors.PlaybackNotFound(), 404, "not_found"),
    ],
)
def test_each_error_has_its_status_and_code(error, status, code):
    assert status_for(error) == status and error.code == code and error.detail
