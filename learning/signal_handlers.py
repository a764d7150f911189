"""Forget cached lesson facts when pages change, so progress follows publishing, and
cached member profiles when members change."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.models import APIToken
from wagtail.signals import page_published, page_unpublished

from cms.models import CoursePage
from cms.selectors import course_lesson_links
from learning.auth import token_memo_forget
from learning.models import Member
from learning.services import lesson_info_forget, member_forget


def _forget(instance: Any, **kwargs: Any) -> None:
    # A course's change alters its lessons' threshold and reach, so forget them too.
    ids = [instance.pk]
    if isinstance(instance, CoursePage):
        ids += [
            link.lesson_id for link in course_lesson_links(course_ids=[instance.pk])
        ]
    # Forget now, and again after commit in case a concurrent read refilled it.
    lesson_info_forget(lesson_ids=ids)
    transaction.on_commit(lambda: lesson_info_forget(lesson_ids=ids))


def _forget_member(instance: Member, **kwargs: Any) -> None:
    user_id = instance.user_id
    member_forget(user_id=user_id)
    transaction.on_commit(lambda: member_forget(user_id=user_id))


def register() -> None:
    post_save.connect(token_memo_forget, sender=APIToken, dispatch_uid="learning_tok")
    post_delete.connect(
        token_memo_forget, sender=APIToken, dispatch_uid="learning_tok_deleted"
    )
    post_save.connect(_forget_member, sender=Member, dispatch_uid="learning_member")
    post_delete.connect(
        _forget_member, sender=Member, dispatch_uid="learning_member_deleted"
    )
    page_published.connect(_forget, dispatch_uid="learning_forget_published")
    page_unpublished.connect(_forget, dispatch_uid="learning_forget_unpublished")
