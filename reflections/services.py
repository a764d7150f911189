"""心得体会: a member writes (optional — never required for any credit), edits what
they wrote, and their secretaries (organisation administrators of the author's
organisation or of a level above, and editors) reply and mark some 优秀 to share
within an organisation of theirs. A reply reaches the author as a portal notice.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from dangke.errors import NotAuthenticated
from dangke.ratelimit import rate_limit_exceeded
from learning.models import Member, Organisation
from learning.selectors import member_for_user
from learning.selectors.scoping import UserLike
from notices.services import notice_send
from reflections.errors import (
    AlreadyWritten,
    InvalidReflection,
    NotAMember,
    ReflectionNotFound,
    ReflectionTooOften,
)
from reflections.models import REPLY_MAX, TEXT_MAX, Reflection
from reflections.selectors import (
    reflection_target_find,
    reflections_read_by,
    share_choices,
)

WRITES_PER_MINUTE = 5
PORTAL_LINK = "/me/reflections/"


def reflection_author_required(*, user: UserLike) -> Member:
    """The member profile of ``user``. Raises NotAuthenticated and NotAMember."""
    if not user.is_authenticated:
        raise NotAuthenticated("请先登录再写心得体会")
    member = member_for_user(user=user)
    if member is None:
        raise NotAMember("当前账号不是党员，不能写心得体会")
    return member


def _text_check(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidReflection("请填写心得体会的内容", code="text_required")
    if len(text) > TEXT_MAX:
        raise InvalidReflection(
            f"心得体会过长：{len(text)} 字，最多 {TEXT_MAX} 字",
            code="text_too_long",
            max_length=TEXT_MAX,
            length=len(text),
        )
    return text


def _rate_check(member: Member) -> None:
    if rate_limit_exceeded(
        bucket="reflections", who=member.pk, limit=WRITES_PER_MINUTE
    ):
        raise ReflectionTooOften(
            f"提交过于频繁：每分钟最多 {WRITES_PER_MINUTE} 次，请稍后再试"
        )


def reflection_write(
    *, user: UserLike, kind: str, target_id: int, text: str, show_name: bool = False
) -> Reflection:
    """Keep ``user``'s reflection about ``(kind, target_id)``, with their
    organisation for who reads it. Raises NotAuthenticated, NotAMember,
    ReflectionTooOften (more than ``WRITES_PER_MINUTE`` a minute),
    InvalidReflection (no text, over ``TEXT_MAX`` characters, an unknown kind, a
    class or meeting not begun), TargetNotFound (``reflection_target_find``) and
    AlreadyWritten (one reflection per target: edit it instead)."""
    member = reflection_author_required(user=user)
    text = _text_check(text)
    _rate_check(member)
    target = reflection_target_find(member=member, kind=kind, target_id=target_id)
    if Reflection.objects.filter(
        author_id=member.pk, kind=kind, target_id=target_id
    ).exists():
        raise AlreadyWritten(
            f"您已经写过“{target.title}”的心得体会，请修改原来那篇",
            code="already_written",
        )
    try:
        with transaction.atomic():
            return Reflection.objects.create(
                author_id=member.pk,
                organisation_id=member.organisation_id,
                kind=kind,
                target_id=target_id,
                target_title=target.title[:255],
                text=text,
                show_name=bool(show_name),
            )
    except IntegrityError:  # a second submission at the same moment
        raise AlreadyWritten(
            f"您已经写过“{target.title}”的心得体会，请修改原来那篇"
        ) from None


def reflection_edit(
    *, user: UserLike, reflection_id: int, text: str, show_name: bool
) -> Reflection:
    """Change the text and the 署名 choice of ``user``'s own reflection (a reply
    and a 优秀 mark stay). Raises NotAuthenticated, NotAMember, ReflectionNotFound
    (none, or someone else's), ReflectionTooOften and InvalidReflection."""
    member = reflection_author_required(user=user)
    text = _text_check(text)
    _rate_check(member)
    with transaction.atomic():
        reflection = (
            Reflection.objects.select_for_update()
            .filter(pk=reflection_id, author_id=member.pk)
            .first()
        )
        if reflection is None:
            raise ReflectionNotFound(f"心得体会 {reflection_id} 不存在")
        reflection.text = text
        reflection.show_name = bool(show_name)
        reflection.save(update_fields=["text", "show_name", "updated_at"])
    return reflection


def _read_for_update(user: UserLike, reflection_id: int) -> Reflection:
    reflection = (
        reflections_read_by(user=user)
        .select_for_update(of=("self",))
        .filter(pk=reflection_id)
        .first()
    )
    if reflection is None:
        raise ReflectionNotFound(
            f"心得体会 {reflection_id} 不存在，或不在您的管理范围内"
        )
    return reflection


def reflection_reply(*, user: UserLike, reflection_id: int, reply: str) -> Reflection:
    """Set the secretary's reply to a reflection ``user`` reads (an empty reply
    withdraws it). A new or changed reply is signed by ``user`` and sent to the
    author as a portal notice. Raises ReflectionNotFound (none, or outside
    ``user``'s scope) and InvalidReflection (over ``REPLY_MAX`` characters)."""
    reply = (reply or "").strip()
    if len(reply) > REPLY_MAX:
        raise InvalidReflection(
            f"回复过长：{len(reply)} 字，最多 {REPLY_MAX} 字",
            code="reply_too_long",
            max_length=REPLY_MAX,
        )
    with transaction.atomic():
        reflection = _read_for_update(user, reflection_id)
        changed = reply != reflection.reply
        reflection.reply = reply
        if changed:
            reflection.replied_by_id = user.pk if reply else None
            reflection.replied_at = timezone.now() if reply else None
        reflection.save()
        if changed and reply:
            notice_send(
                recipient_ids=[reflection.author.user_id],
                topic=f"reflections.reflection:{reflection.pk}",
                title=f"书记回复了您关于“{reflection.target_title}”的心得体会",
                body=reply[:500],
                link=f"{PORTAL_LINK}#reflection-{reflection.pk}",
            )
    return reflection


def reflection_mark(
    *,
    user: UserLike,
    reflection_id: int,
    excellent: bool,
    shared_in_code: str | None = None,
) -> Reflection:
    """Mark a reflection ``user`` reads 优秀 and share it within the organisation ``shared_in_code``
    (the author's organisation by default, or one above it that ``user``
    administers), or withdraw the mark. Raises ReflectionNotFound and
    InvalidReflection (a sharing organisation ``user`` may not choose)."""
    with transaction.atomic():
        reflection = _read_for_update(user, reflection_id)
        if not excellent:
            reflection.excellent = False
            reflection.shared_in = None
            reflection.marked_by_id = None
            reflection.marked_at = None
            reflection.save()
            return reflection
        choices = share_choices(user=user, reflection=reflection)
        if not shared_in_code:
            shared_in: Organisation | None = reflection.organisation
        else:
            shared_in = next((o for o in choices if o.code == shared_in_code), None)
            if shared_in is None:
                raise InvalidReflection(
                    "分享范围只能是作者所在党组织或您管理的上级党组织",
                    code="unknown_share_organisation",
                )
        reflection.excellent = True
        reflection.shared_in = shared_in
        reflection.marked_by_id = user.pk
        reflection.marked_at = timezone.now()
        reflection.save()
    return reflection
