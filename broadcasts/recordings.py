"""Recordings become lessons (录像转微党课) and members who missed a lecture make
it up (补学) with them.

When a lecture ends, nginx-rtmp's ``record`` has written the stream as an FLV
under ``BROADCASTS_RECORD_DIR`` (or the HLS segments are left with their
playlist). ``recording_to_lesson(lecture_id, path)`` — the Celery task the
``on_publish_done`` handling queues — remuxes it to MP4 (no re-encode: ffmpeg
with the input format pinned, ``file`` protocol only, a timeout), stores it as a
``VideoAsset`` through the media pipeline (probe, transcode ladder, publish) and
makes a draft ``MicroLessonPage`` under the lessons section, linked to the lecture
(``LiveLecture.recording_asset`` / ``recording_lesson``). An editor reviews and
publishes it like any lesson; the lecture's organiser gets a portal notice.

补学 is read from the records, never stored twice: a member of the audience who
was not credited with attendance has made the lecture up once they completed the
recording's lesson after the lecture began (``lecture_makeup_of`` /
``lecture_makeups``), as a meeting's 补学 is its lesson completed.
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.files import File
from django.db import transaction

from broadcasts.models import LiveLecture, LivePresence
from cms.models import MicroLessonPage, SectionPage
from dangke.errors import DomainError, NotFound
from learning.models import LessonProgress, Member
from media_pipeline.services import video_asset_create
from notices.services import notice_send

logger = logging.getLogger(__name__)

# What nginx-rtmp's ``record`` writes, and the HLS playlist: the demuxer each is
# read with (pinned, never guessed from the content).
RECORDING_FORMATS = {".flv": "flv", ".mp4": "mp4", ".m3u8": "hls"}
REMUX_TIMEOUT = 600  # seconds: a copy, not an encode; hours of video take seconds
LESSONS_SECTION_SLUG = "lessons"


class RecordingRefused(DomainError):
    """A recording path or lecture that cannot become a lesson."""

    code = "recording_refused"


class LectureNotFound(RecordingRefused, NotFound):
    code = "lecture_not_found"


def recording_dir() -> Path:
    """Where nginx-rtmp writes recordings (``BROADCASTS_RECORD_DIR``)."""
    configured = getattr(settings, "BROADCASTS_RECORD_DIR", None)
    return Path(configured or Path(settings.VAR_DIR) / "live" / "recordings")


def recording_path_check(*, path: str | Path) -> tuple[Path, str]:
    """The recording's resolved path and demuxer when ``path`` is a file under
    ``recording_dir()`` of a known kind. Raises RecordingRefused (outside the
    directory, no such file, an unknown kind): a callback never names an
    arbitrary file for ffmpeg to open."""
    root = recording_dir().resolve()
    resolved = Path(path).resolve()
    if not resolved.is_relative_to(root):
        raise RecordingRefused(
            f"录像文件不在录像目录 {root} 下：{path}", code="recording_outside"
        )
    demuxer = RECORDING_FORMATS.get(resolved.suffix.lower())
    if demuxer is None:
        raise RecordingRefused(
            f"不支持的录像格式 {resolved.suffix!r}（可用：flv、mp4、m3u8）",
            code="recording_format",
        )
    if not resolved.is_file() or resolved.stat().st_size == 0:
        raise RecordingRefused(
            f"录像文件不存在或为空：{path}", code="recording_missing"
        )
    return resolved, demuxer


def recording_remux(*, source: Path, demuxer: str, target: Path) -> Path:
    """Copy the recording's streams into an MP4 at ``target`` (the media
    pipeline takes MP4; FLV is not among its formats). Raises RecordingRefused
    when ffmpeg fails or takes longer than ``REMUX_TIMEOUT``."""
    args = [
        settings.FFMPEG_BINARY,
        "-v",
        "error",
        "-nostdin",
        "-y",
        "-protocol_whitelist",
        "file",
        "-f",
        demuxer,
        "-i",
        str(source),
        "-map",
        "0:v:0",
        "-map",
        "0:a:0?",
        "-c",
        "copy",
        "-bsf:a",
        "aac_adtstoasc",
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        str(target),
    ]
    try:
        subprocess.run(args, check=True, capture_output=True, timeout=REMUX_TIMEOUT)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as failure:
        stderr = getattr(failure, "stderr", b"") or b""
        raise RecordingRefused(
            f"录像转封装失败：{stderr.decode(errors='replace')[-300:] or failure}",
            code="recording_unreadable",
        ) from None
    return target


def recording_latest(*, lecture: LiveLecture) -> Path | None:
    """The newest FLV nginx-rtmp recorded for ``lecture``'s stream
    (``record_unique`` names them ``<stream>-<time>.flv``), or None. For the
    ``on_publish_done`` handling when nginx's ``on_record_done`` did not say the
    path. Raises nothing."""
    stream = lecture.published_stream or lecture.stream_key
    root = recording_dir()
    if not stream or not root.is_dir():
        return None
    found = sorted(
        (p for p in root.glob(f"{stream}*.flv") if p.is_file()),
        key=lambda p: (p.stat().st_mtime, p.name),
    )
    return found[-1] if found else None


def recording_done(*, stream_name: str, path: str) -> LiveLecture:
    """nginx-rtmp's ``on_record_done``: the lecture published on ``stream_name``
    has a finished recording at ``path``; queue its way to a draft lesson once the
    current transaction commits. Raises LectureNotFound (no lecture went live on
    that stream) and RecordingRefused (``path`` outside the recording directory, of
    an unknown kind, missing or empty)."""
    lecture = (
        LiveLecture.objects.filter(published_stream=stream_name or "-")
        .exclude(published_stream="")
        .first()
    )
    if lecture is None:
        raise LectureNotFound(f"没有在推流名 {stream_name!r} 上直播过的讲座")
    resolved, _ = recording_path_check(path=path)
    recording_enqueue(lecture_id=lecture.pk, path=resolved)
    return lecture


def recording_enqueue(*, lecture_id: int, path: str | Path) -> None:
    """Queue ``recording_to_lesson`` for ``lecture_id`` once the current
    transaction commits (the lecture marked ended first). Raises nothing."""
    transaction.on_commit(lambda: recording_to_lesson.delay(lecture_id, str(path)))


def _lessons_section() -> SectionPage:
    section = (
        SectionPage.objects.filter(slug=LESSONS_SECTION_SLUG).first()
        or SectionPage.objects.order_by("path").first()
    )
    if section is None:
        raise RecordingRefused("没有可放置微党课的栏目", code="no_lessons_section")
    return section


def recording_lesson_create(*, lecture_id: int, path: str | Path) -> MicroLessonPage:
    """Turn the recording at ``path`` of lecture ``lecture_id`` into a draft
    micro-lesson (not live) under the lessons section whose video is the
    recording's new ``VideoAsset`` (queued for processing once this commits), and
    link both to the lecture. Safe to run twice: a lecture that has its lesson
    gets it back. Raises LectureNotFound and RecordingRefused
    (``recording_path_check``, ``recording_remux``)."""
    lecture = LiveLecture.objects.filter(pk=lecture_id).first()
    if lecture is None:
        raise LectureNotFound(f"直播党课 {lecture_id} 不存在")
    if lecture.recording_lesson_id:
        return lecture.recording_lesson
    source, demuxer = recording_path_check(path=path)
    with tempfile.TemporaryDirectory(prefix="recording-") as work:
        mp4 = recording_remux(
            source=source, demuxer=demuxer, target=Path(work) / "recording.mp4"
        )
        with transaction.atomic():
            lecture = LiveLecture.objects.select_for_update().get(pk=lecture_id)
            if lecture.recording_lesson_id:  # another run got here first
                return lecture.recording_lesson
            title = f"{lecture.title}（直播回放）"
            with mp4.open("rb") as handle:
                asset = video_asset_create(
                    file=File(handle, name=f"lecture-{lecture.pk}.mp4"),
                    title=title[:255],
                    uploaded_by=lecture.created_by,
                )
            lesson = MicroLessonPage(
                title=title[:255],
                live=False,
                video=asset,
                lecturer=lecture.lecturer,
                summary=lecture.description,
            )
            _lessons_section().add_child(instance=lesson)
            lesson.save_revision(user=lecture.created_by, log_action=True)
            LiveLecture.objects.filter(pk=lecture.pk).update(
                recording_asset=asset, recording_lesson=lesson
            )
            if lecture.created_by_id:
                notice_send(
                    recipient_ids=[lecture.created_by_id],
                    topic=f"broadcasts.recording:{lecture.pk}",
                    title=f"“{lecture.title}”的录像已转为微党课草稿",
                    body="视频处理完成后请审核并发布，未参加直播的党员可用它补学。",
                    link=f"/admin/pages/{lesson.pk}/edit/",
                )
    return lesson


@shared_task(
    bind=True,
    name="broadcasts.recording_to_lesson",
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=3,
)
def recording_to_lesson(self, lecture_id: int, path: str) -> int | None:
    """Celery task: ``recording_lesson_create`` for a lecture that ended (queued
    by the ``on_publish_done`` handling). Returns the lesson's id, or None when
    the recording is refused (logged: nothing to retry)."""
    try:
        return recording_lesson_create(lecture_id=lecture_id, path=path).pk
    except RecordingRefused as refusal:
        logger.warning(
            "recording of lecture %s refused: %s", lecture_id, refusal.detail
        )
        return None


def lecture_makeup_of(*, member: Member, lecture: LiveLecture) -> datetime | None:
    """When ``member`` made ``lecture`` up (补学): they were not credited with
    attendance and completed its recording's lesson after the lecture began.
    None otherwise (no recording lesson, attended, not completed). Raises
    nothing."""
    return lecture_makeups(lecture=lecture, member_ids=[member.pk]).get(member.pk)


def lecture_makeups(
    *, lecture: LiveLecture, member_ids: list[int] | None = None
) -> dict[int, datetime]:
    """补学 of ``lecture``: member id → when they completed the recording's lesson
    (after the lecture began), for members not credited with attendance (only
    ``member_ids`` when given). Raises nothing."""
    if not lecture.recording_lesson_id:
        return {}
    done = LessonProgress.objects.filter(
        lesson_id=lecture.recording_lesson_id,
        completed_at__isnull=False,
        completed_at__gte=lecture.starts_at,
    )
    if member_ids is not None:
        done = done.filter(member_id__in=member_ids)
    attended = LivePresence.objects.filter(lecture=lecture, attended=True).values(
        "member_id"
    )
    return dict(
        done.exclude(member_id__in=attended).values_list("member_id", "completed_at")
    )
