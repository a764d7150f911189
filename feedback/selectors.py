"""Reads of the feedback channel: a submitter's own submissions, and the part of
them an administrator handles (editors: all; organisation administrators: those
written by members of their subtrees, as every scoped admin view)."""

from __future__ import annotations

from django.db.models import QuerySet

from feedback.errors import FeedbackNotFound
from feedback.models import Feedback
from learning.selectors import organisation_scope_q
from learning.selectors.scoping import UserLike


def feedback_of_submitter(*, user: UserLike) -> QuerySet[Feedback]:
    """``user``'s own submissions, newest first (none when signed out)."""
    if not user.is_authenticated:
        return Feedback.objects.none()
    return Feedback.objects.filter(submitter_id=user.pk).select_related("page")


def feedback_of_submitter_get(*, user: UserLike, feedback_id: int) -> Feedback:
    """One of ``user``'s own submissions. Raises FeedbackNotFound (no such
    submission, or someone else's)."""
    found = feedback_of_submitter(user=user).filter(pk=feedback_id).first()
    if found is None:
        raise FeedbackNotFound(f"投诉建议 {feedback_id} 不存在")
    return found


def feedback_handled_by(
    queryset: QuerySet[Feedback], *, user: UserLike
) -> QuerySet[Feedback]:
    """The part of ``queryset`` that ``user`` handles: everything for editors
    (who see every organisation), the submissions of members of the subtrees an
    organisation administrator administers, nothing for anyone else. A submission
    of an account that is not a member (a lecturer, an editor) is the editors'."""
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(organisation_scope_q(user=user, prefix="organisation__"))
