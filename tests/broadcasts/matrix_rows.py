"""The broadcasts rows of the authorisation matrix (see ``tests.matrix``).

The world: a live lecture for S1's subtree (the member, in B1, is in its audience;
the other member, in B2, is not) with a playlist on disk, and a scheduled one whose
key can be rotated."""

from __future__ import annotations

from tests.matrix import Row, api, but, every, portal

SEEN = but(404, anonymous=401, member=200, editor=200, superuser=200)
MANAGED = but(404, anonymous=401, member=403, editor=200, superuser=200)
BODY = {
    "title": "直播党课",
    "organisation": "{live_org}",
    "starts_at": "2099-07-01T10:00:00+08:00",
}
L = "/broadcasts/lectures"

ROWS: list[Row] = [
    api("broadcasts_lecture_create", "POST", L, but(403, anonymous=401, editor=201, superuser=201), BODY),
    api("broadcasts_lecture_list", "GET", L, but(200, anonymous=401)),
    api("broadcasts_lecture_detail", "GET", L + "/{live_lecture}", SEEN),
    api("broadcasts_lecture_key_rotate", "POST", L + "/{coming_lecture}/key", MANAGED),
    api("broadcasts_lecture_key_revoke", "POST", L + "/{coming_lecture}/key/revoke", MANAGED),
    api("broadcasts_heartbeat", "POST", L + "/{live_lecture}/heartbeat",
        but(403, anonymous=401, member=200, other_member=404), {"seconds": 0}),
    api("broadcasts_presence_report", "GET", L + "/{live_lecture}/presence", MANAGED),
    api("broadcasts_live_file", "GET", L + "/{live_lecture}/hls/index.m3u8",
        but(404, member=200, editor=200, superuser=200)),
    # nginx's callbacks: without the shared secret, refused for everyone.
    api("broadcasts_rtmp_publish", "POST", "/broadcasts/rtmp/publish", every(403), {}),
    api("broadcasts_rtmp_publish_done", "POST", "/broadcasts/rtmp/publish-done", every(403), {}),
    api("broadcasts_rtmp_record_done", "POST", "/broadcasts/rtmp/record-done", every(403), {}),
    portal("broadcasts", "GET", "/zhibo/", but(403, anonymous=302, member=200, other_member=200)),
    portal("broadcast", "GET", "/zhibo/{live_lecture}/",
           but(404, anonymous=302, member=200, editor=200, superuser=200)),
]  # fmt: skip
ADMIN_CLASSES: list[tuple[str, str]] = [
    ("scoped", "admin/live_lectures/"),
    ("own rule", "admin/broadcasts/"),
]


def world(context: dict) -> dict:
    """The broadcasts objects of the matrix's world; the ids the rows name."""
    from datetime import timedelta
    from pathlib import Path

    from django.conf import settings
    from django.utils import timezone

    from broadcasts.models import LiveLecture

    now = timezone.now()
    live = LiveLecture.objects.create(
        title="灯塔大课堂（直播中）",
        organisation=context["sub1"],
        starts_at=now - timedelta(minutes=5),
        status=LiveLecture.Status.LIVE,
        went_live_at=now - timedelta(minutes=5),
        published_stream="matrix-live",
        publisher_client="1",
    )
    coming = LiveLecture.objects.create(
        title="灯塔大课堂（预告）",
        organisation=context["sub1"],
        starts_at=now + timedelta(days=1),
    )
    # The playlist nginx-rtmp would write (tests/conftest.py: under tmp_path).
    folder = Path(settings.BROADCASTS_HLS_DIR) / live.published_stream
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.m3u8").write_text(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n0.ts\n"
    )
    return {
        "live_lecture": live.pk,
        "coming_lecture": coming.pk,
        "live_org": context["sub1"].code,
    }


def demo_ids(member) -> dict:
    """The demo's ids for the broadcasts operations' path parameters."""
    from broadcasts.models import LiveLecture

    lecture = LiveLecture.objects.order_by("-starts_at").first()
    return {"live_lecture_id": lecture.pk if lecture else 1, "live_file": "index.m3u8"}
