"""心得体会: the demo (idempotent). The demo member and two members of their branch
write about a meeting they were asked to and a lesson; ``shuji`` (the secretary of
their sub-district) replies to one and marks one 优秀, shared in the branch."""

from __future__ import annotations

import sys
from typing import TextIO

from django.contrib.auth import get_user_model
from django.utils import timezone

from cms.models import MicroLessonPage
from cms.selectors import pages_visible_to_public
from dangke.errors import DomainError
from dangke.progress import progress_line
from learning.models import Member
from meetings.models import Meeting
from reflections.models import Reflection
from reflections.services import reflection_mark, reflection_reply, reflection_write

TEXTS = (
    "这次学习让我对“两个确立”的决定性意义有了更深的理解。作为一名社区党员，"
    "我要把学到的落实到为群众办实事上，先从楼栋的加装电梯协调做起。",
    "老党员讲的入党故事很打动人。回想自己入党时的誓言，感到还有差距，"
    "今后要按时参加组织生活，主动亮身份、作表率。",
    "微党课短小精悍，利用午休时间就能学完。建议多结合身边的先进典型来讲。",
)


def reflections_demo_load(*, stdout: TextIO | None = None) -> None:
    """Build the reflections demo; a second run adds nothing."""
    out = stdout or sys.stdout
    member = Member.objects.filter(user__username="member").first()
    if member is None or Reflection.objects.filter(author=member).exists():
        progress_line(1, 1, "心得体会", out)
        return
    secretary = get_user_model().objects.filter(username="shuji").first()
    lesson = (
        pages_visible_to_public(queryset=MicroLessonPage.objects.all())
        .order_by("path")
        .first()
    )
    meeting = (
        Meeting.objects.filter(
            attendees__member=member,
            starts_at__lt=timezone.now(),
            cancelled_at__isnull=True,
        )
        .order_by("-starts_at")
        .first()
    )
    writers = [member] + list(
        Member.objects.filter(organisation_id=member.organisation_id)
        .exclude(pk=member.pk)
        .order_by("pk")[:2]
    )
    written: list[Reflection] = []
    for index, (writer, text) in enumerate(zip(writers, TEXTS, strict=False)):
        for kind, target in (("meeting", meeting), ("lesson", lesson)):
            if target is None:
                continue
            try:
                written.append(
                    reflection_write(
                        user=writer.user,
                        kind=kind,
                        target_id=target.pk,
                        text=text,
                        show_name=index != 1,
                    )
                )
                break
            except DomainError:  # not asked to that meeting: the lesson then
                continue
        progress_line(index + 1, len(writers), "心得体会", out)
    if secretary is None or not written:
        return
    reflection_reply(
        user=secretary,
        reflection_id=written[0].pk,
        reply="写得实在，联系了工作实际。加装电梯的事支部会一起推动。",
    )
    reflection_mark(user=secretary, reflection_id=written[-1].pk, excellent=True)
