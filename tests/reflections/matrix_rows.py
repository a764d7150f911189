"""The reflections rows of the authorisation matrix (see ``tests.matrix``): only
members write and keep reflections; the author, the secretaries of the author's
subtree (and editors) read one, and only the secretaries reply and mark 优秀;
another sub-district's administrator and a member of another branch see nothing
(the world's reflection is shared within the member's branch only)."""

from __future__ import annotations

from tests.matrix import Row, api, but, portal

MEMBERS = but(403, anonymous=401, member=200, other_member=200)
READERS = but(404, anonymous=401, editor=200, superuser=200)
PORTAL_MEMBERS = but(403, anonymous=302, member=200, other_member=200)

ROWS: list[Row] = [
    api("reflection_create", "POST", "/reflections/",
        but(403, anonymous=401, member=201, other_member=201),
        {"kind": "lesson", "target_id": "{public}", "text": "很有收获"}),
    api("reflection_list_mine", "GET", "/reflections/mine", MEMBERS),
    api("reflection_list_shared", "GET", "/reflections/shared", MEMBERS),
    api("reflection_list_to_read", "GET", "/reflections/to-read", but(200, anonymous=401)),
    api("reflection_counts", "GET", "/reflections/counts?organisation=B1&year={year}",
        but(404, anonymous=401, editor=200, superuser=200)),
    api("reflection_detail", "GET", "/reflections/{reflection}",
        but(404, anonymous=401, member=200, editor=200, superuser=200)),
    api("reflection_update", "PUT", "/reflections/{reflection}",
        but(403, anonymous=401, member=200, other_member=404), {"text": "修改后的心得"}),
    api("reflection_reply", "POST", "/reflections/{reflection}/reply", READERS,
        {"reply": "写得好"}),
    api("reflection_mark", "POST", "/reflections/{reflection}/excellent", READERS,
        {"excellent": True}),
    portal("reflections", "GET", "/me/reflections/", PORTAL_MEMBERS),
    portal("reflection_write", "GET", "/me/reflections/write/?kind=lesson&target={public}",
           PORTAL_MEMBERS),
    portal("reflection_write", "POST", "/me/reflections/write/",
           but(403, anonymous=302, member=302, other_member=302),
           form={"kind": "lesson", "target": "{public}", "text": "再改一次"}),
    portal("reflections_to_read", "GET", "/me/reflections/to-read/",
           but(403, anonymous=302, editor=200, other_admin=200, superuser=200)),
    portal("reflection_review", "GET", "/me/reflections/to-read/{reflection}/",
           but(404, anonymous=302, editor=200, superuser=200)),
    portal("reflection_review", "POST", "/me/reflections/to-read/{reflection}/",
           but(404, anonymous=302, editor=302, superuser=302),
           form={"action": "reply", "reply": "继续努力"}),
]  # fmt: skip
ADMIN_CLASSES: list[tuple[str, str]] = [("scoped", "admin/reflections/")]


def world(context: dict) -> dict:
    """The member's reflection about the world's meeting, marked 优秀 and shared
    within their branch (so a member of another branch still may not read it)."""
    from django.utils import timezone

    from reflections.models import Reflection

    member = context["member"]
    reflection = Reflection.objects.create(
        author=member,
        organisation=member.organisation,
        kind=Reflection.Kind.MEETING,
        target_id=context["ids"]["meeting"],
        target_title="会议",
        text="reflection-secret 心得",
        excellent=True,
        shared_in=member.organisation,
        marked_at=timezone.now(),
    )
    return {"reflection": reflection.pk}


def demo_ids(member) -> dict:
    """The demo's ids for the reflections operations' path parameters: one of the
    demo member's reflections."""
    from reflections.models import Reflection

    found = (
        Reflection.objects.filter(author=member).values_list("pk", flat=True).first()
    )
    return {"reflection_id": found or 1}
