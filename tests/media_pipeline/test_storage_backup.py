"""The media half of a backup on S3 (moto's server over loopback): every object of
the bucket goes into the backup's tar by key, and a restore fills an empty bucket
with the same bytes, refusing one that is not empty."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from dangke import backup


def _objects(client, bucket: str) -> dict[str, bytes]:
    listing = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {
        item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        for item in listing
    }


def test_s3_media_backs_up_and_restores_into_an_empty_bucket(
    s3_storage, s3_server, settings, tmp_path
):
    client, bucket = s3_storage
    settings.AWS_S3_ENDPOINT_URL = s3_server
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_ACCESS_KEY_ID = settings.AWS_SECRET_ACCESS_KEY = "testing"
    default_storage.save("originals/abc", ContentFile(b"\x00original" * 1000))
    default_storage.save("media/assets/1/1/master.m3u8", ContentFile(b"#EXTM3U\n"))
    default_storage.save("media/assets/1/1/v0/seg_000.ts", ContentFile(b"\x47" * 188))

    tar = tmp_path / backup.MEDIA
    assert backup._media_backup(tar) == {"files": 3, "bytes": 9000 + 8 + 188}
    target = f"{bucket}-restored"
    client.create_bucket(Bucket=target)
    backup._media_restore(tar, media_root=None, bucket=target)
    assert _objects(client, target) == _objects(client, bucket)

    with pytest.raises(backup.BackupError, match="不是空的"):
        backup._media_restore(tar, media_root=None, bucket=target)


def test_local_media_restore_refuses_a_full_folder_and_unsafe_names(tmp_path):
    import io
    import tarfile

    full = tmp_path / "full"
    full.mkdir()
    (full / "keep").write_bytes(b"x")
    tar = tmp_path / backup.MEDIA
    with tarfile.open(tar, "w") as archive:
        info = tarfile.TarInfo("../escaped")
        info.size = 1
        archive.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(backup.BackupError, match="不是空的"):
        backup._media_restore(tar, media_root=full, bucket=None)
    assert (full / "keep").read_bytes() == b"x"
    with pytest.raises(tarfile.OutsideDestinationError):
        backup._media_restore(tar, media_root=tmp_path / "empty", bucket=None)
    assert not (tmp_path / "escaped").exists()
