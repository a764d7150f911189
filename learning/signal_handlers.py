"""Forget cached lesson facts when pages change, so progress follows publishing, and
cached member profiles when members change; note every change of a member record in
the report roll-ups.

The roll-up handlers run synchronously, unlike the rest: the roll-ups must change in
the same transaction as the records (``learning.services.rollups``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from wagtail.signals import page_published, page_unpublished

from cms.models import CoursePage
from cms.selectors import course_lesson_links
from dangke.tokens import token_entries_forget_for_user
from learning.models import (
    CourseCompletion,
    CreditHourRule,
    CreditRecord,
    Member,
    TopicCompletion,
)
from learning.services import lesson_info_forget, member_forget, rollups


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
    token_entries_forget_for_user(user_id)  # cached tokens carry the profile
    transaction.on_commit(lambda: member_forget(user_id=user_id))


def _contribution(instance: Any) -> tuple[int, Any, Any]:
    """What a record adds to its member's roll-ups: (member, what, amount)."""
    if isinstance(instance, CreditRecord):
        return instance.member_id, instance.year, instance.hours
    if isinstance(instance, CourseCompletion):
        return instance.member_id, rollups.course_subject(instance.course_id), 1
    return instance.member_id, rollups.topic_subject(instance.topic_id), 1


def _note(contribution: tuple[int, Any, Any], sign: int) -> None:
    member_id, what, amount = contribution
    if isinstance(what, int):
        rollups.rollup_note_credit(member_id=member_id, year=what, hours=sign * amount)
    else:
        rollups.rollup_note_subject(member_id=member_id, subject=what, delta=sign)


def _record_saving(sender: Any, instance: Any, **kwargs: Any) -> None:
    instance._rollup_before = None
    if instance.pk is not None and not instance._state.adding:
        old = sender.objects.filter(pk=instance.pk).first()
        instance._rollup_before = old and _contribution(old)


def _record_saved(instance: Any, created: bool, **kwargs: Any) -> None:
    before, after = getattr(instance, "_rollup_before", None), _contribution(instance)
    if before == after and not created:
        return
    if before is not None:
        _note(before, -1)
    _note(after, 1)


def _record_deleted(instance: Any, **kwargs: Any) -> None:
    _note(_contribution(instance), -1)


def _member_saving(instance: Member, **kwargs: Any) -> None:
    rollups.rollup_note_member_saving(member=instance)


def _member_saved(instance: Member, created: bool, **kwargs: Any) -> None:
    rollups.rollup_note_member_saved(member=instance, created=created)


def _member_deleting(instance: Member, **kwargs: Any) -> None:
    rollups.rollup_note_member_deleting(member=instance)


def _member_deleted(instance: Member, **kwargs: Any) -> None:
    rollups.rollup_note_member_deleted(member=instance)


def _targets_saved(**kwargs: Any) -> None:
    from learning.services.reconcile import rollups_targets_refresh

    rollups_targets_refresh()


def _register_rollups() -> None:
    for model in (CreditRecord, CourseCompletion, TopicCompletion):
        uid = f"learning_rollup_{model.__name__}"
        pre_save.connect(_record_saving, sender=model, dispatch_uid=f"{uid}_saving")
        post_save.connect(_record_saved, sender=model, dispatch_uid=f"{uid}_saved")
        post_delete.connect(_record_deleted, sender=model, dispatch_uid=f"{uid}_del")
    pre_save.connect(_member_saving, sender=Member, dispatch_uid="rollup_member_saving")
    post_save.connect(_member_saved, sender=Member, dispatch_uid="rollup_member_saved")
    pre_delete.connect(
        _member_deleting, sender=Member, dispatch_uid="rollup_member_deleting"
    )
    post_delete.connect(
        _member_deleted, sender=Member, dispatch_uid="rollup_member_deleted"
    )
    post_save.connect(
        _targets_saved, sender=CreditHourRule, dispatch_uid="rollup_targets"
    )


def register() -> None:
    _register_rollups()
    post_save.connect(_forget_member, sender=Member, dispatch_uid="learning_member")
    post_delete.connect(
        _forget_member, sender=Member, dispatch_uid="learning_member_deleted"
    )
    page_published.connect(_forget, dispatch_uid="learning_forget_published")
    page_unpublished.connect(_forget, dispatch_uid="learning_forget_unpublished")
