"""集中收看: the demo (idempotent) — one viewing room, the community centre of the
demo member's branch (its screen is paired by opening ``/viewing/screen/`` and
confirming the code as ``shuji``, who administers the sub-district)."""

from __future__ import annotations

import sys
from typing import TextIO

from learning.models import Member
from viewing.models import ViewingRoom

ROOM_SUFFIX = "党群服务中心"


def viewing_demo_load(*, stdout: TextIO | None = None) -> None:
    """Build the viewing demo; a second run adds nothing."""
    out = stdout or sys.stdout
    member = (
        Member.objects.filter(user__username="member")
        .select_related("organisation__parent")
        .first()
    )
    if member is None or member.organisation.parent is None:
        out.write("viewing demo: no demo member, nothing to load\n")
        return
    community = member.organisation.parent
    name = community.name.removesuffix("党委") + ROOM_SUFFIX
    room, created = ViewingRoom.objects.get_or_create(
        organisation=community,
        name=name,
        defaults={"address": f"{community.name}办公楼一层多功能厅"},
    )
    out.write(
        f"viewing demo: room “{room.name}”"
        f"{' registered' if created else ' already there'}\n"
    )
