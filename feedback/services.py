"""The feedback channel (投诉建议): a signed-in user submits, an administrator of
the submitter's organisation (or an editor) answers, and the answer reaches the
submitter as a portal notice.

Anonymous submissions are not taken: the answer goes to the submitter's portal
notices, who handles it follows the submitter's organisation, and an account is
what the rate limit counts (an anonymous form would need a captcha and a budget
per address, and could not be answered).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from cms.selectors import pages_visible_to_public
from dangke.errors import NotAuthenticated
from dangke.ratelimit import rate_limit_exceeded
from feedback.errors import (
    FeedbackNotFound,
    FeedbackTooOften,
    InvalidFeedback,
    TooManyOpen,
)
from feedback.models import ANSWER_MAX, TEXT_MAX, Feedback
from feedback.selectors import feedback_handled_by
from learning.selectors import member_for_user
from learning.selectors.scoping import UserLike
from notices.services import notice_send

SUBMISSIONS_PER_MINUTE = 3
OPEN_MAX = 20  # submissions one account may have waiting (待处理/处理中) at once
CONTACT_MAX = 100
OPEN_STATUSES = (Feedback.Status.PENDING, Feedback.Status.IN_PROGRESS)
PORTAL_LINK = "/me/feedback/"


def feedback_submit(
    *,
    user: UserLike,
    category: str,
    text: str,
    contact_preference: str = Feedback.Contact.PORTAL,
    contact: str = "",
    page_id: int | None = None,
) -> Feedback:
    """Keep ``user``'s submission (待处理), with their organisation for who
    handles it. Raises NotAuthenticated (signed out), FeedbackTooOften (more than
    ``SUBMISSIONS_PER_MINUTE`` a minute), InvalidFeedback (an unknown category or
    contact preference, no text, text over ``TEXT_MAX`` characters, a phone or
    e-mail preference without the number or address, a page that is not public)
    and TooManyOpen (``OPEN_MAX`` submissions still waiting)."""
    if not user.is_authenticated:
        raise NotAuthenticated("请先登录再提交投诉建议")
    if rate_limit_exceeded(
        bucket="feedback", who=user.pk, limit=SUBMISSIONS_PER_MINUTE
    ):
        raise FeedbackTooOften(
            f"提交过于频繁：每分钟最多 {SUBMISSIONS_PER_MINUTE} 条，请稍后再试"
        )
    if category not in Feedback.Category.values:
        raise InvalidFeedback(
            f"未知的类别 {category!r}，可选：{'、'.join(Feedback.Category.values)}",
            code="unknown_category",
        )
    text = (text or "").strip()
    if not text:
        raise InvalidFeedback("请填写投诉建议的内容", code="text_required")
    if len(text) > TEXT_MAX:
        raise InvalidFeedback(
            f"内容过长：{len(text)} 字，最多 {TEXT_MAX} 字",
            code="text_too_long",
            max_length=TEXT_MAX,
            length=len(text),
        )
    if contact_preference not in Feedback.Contact.values:
        raise InvalidFeedback(
            f"未知的联系方式偏好 {contact_preference!r}",
            code="unknown_contact_preference",
        )
    contact = (contact or "").strip()
    if len(contact) > CONTACT_MAX:
        raise InvalidFeedback(
            f"联系方式过长：最多 {CONTACT_MAX} 字", code="contact_too_long"
        )
    if contact_preference != Feedback.Contact.PORTAL and not contact:
        raise InvalidFeedback(
            "选择电话或电子邮件联系时，请填写号码或邮箱", code="contact_required"
        )
    page = None
    if page_id is not None:
        page = pages_visible_to_public(
            queryset=Page.objects.filter(pk=page_id, depth__gt=1)
        ).first()
        if page is None:
            raise InvalidFeedback(
                f"页面 {page_id} 不存在或未公开", code="page_not_found"
            )
    waiting = Feedback.objects.filter(submitter_id=user.pk, status__in=OPEN_STATUSES)
    if waiting.count() >= OPEN_MAX:
        raise TooManyOpen(f"您已有 {OPEN_MAX} 条投诉建议正在处理，请等待答复后再提交")
    member = member_for_user(user=user)
    return Feedback.objects.create(
        submitter_id=user.pk,
        organisation_id=member.organisation_id if member else None,
        category=category,
        text=text,
        contact_preference=contact_preference,
        contact=contact,
        page=page,
    )


def feedback_answer_check(*, status: str, answer: str) -> str:
    """The answer, stripped, when ``status`` and ``answer`` go together. Raises
    InvalidFeedback (an unknown status, 已答复 without an answer, an answer over
    ``ANSWER_MAX`` characters)."""
    if status not in Feedback.Status.values:
        raise InvalidFeedback(f"未知的处理状态 {status!r}", code="unknown_status")
    answer = (answer or "").strip()
    if status == Feedback.Status.ANSWERED and not answer:
        raise InvalidFeedback("标记为“已答复”时请填写答复内容", code="answer_required")
    if len(answer) > ANSWER_MAX:
        raise InvalidFeedback(
            f"答复过长：{len(answer)} 字，最多 {ANSWER_MAX} 字",
            code="answer_too_long",
        )
    return answer


def feedback_answer(
    *, user: UserLike, feedback_id: int, status: str, answer: str
) -> Feedback:
    """Set the status and the answer of a submission ``user`` handles. A new or
    changed answer is signed by ``user`` and sent to the submitter as a portal
    notice (one per submission: answering again updates it). Raises
    FeedbackNotFound (none, or outside ``user``'s scope) and InvalidFeedback
    (``feedback_answer_check``)."""
    answer = feedback_answer_check(status=status, answer=answer)
    with transaction.atomic():
        feedback = (
            feedback_handled_by(Feedback.objects.all(), user=user)
            .select_for_update(of=("self",))
            .filter(pk=feedback_id)
            .first()
        )
        if feedback is None:
            raise FeedbackNotFound(
                f"投诉建议 {feedback_id} 不存在，或不在您的管理范围内"
            )
        answered = bool(answer) and answer != feedback.answer
        feedback.status = status
        feedback.answer = answer
        if answered:
            feedback.answered_by_id = user.pk
            feedback.answered_at = timezone.now()
        feedback.save()
        if answered:
            notice_send(
                recipient_ids=[feedback.submitter_id],
                topic=f"feedback.feedback:{feedback.pk}",
                title=f"您的{feedback.get_category_display()}已答复",
                body=answer[:500],
                link=f"{PORTAL_LINK}#feedback-{feedback.pk}",
            )
    return feedback
