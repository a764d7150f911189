from django.core.exceptions import PermissionDenied
from django.db import transaction
from wagtail.models import AbstractGroupApprovalTask

from media_pipeline.selectors import video_asset_is_playable

NOT_PLAYABLE = (
    "视频「{title}」尚未处理完成，暂不能通过审核：审核通过即发布，"
    "请在视频可播放后再审核（或退回修改）。"
)


def unplayable_video(obj):
    """The object's video when it has one that cannot play yet, else None."""
    asset = getattr(obj, "video", None)
    if asset is not None and not video_asset_is_playable(asset=asset):
        return asset
    return None


class LessonReviewTask(AbstractGroupApprovalTask):
    """编辑审核 of lecturers' submissions. Approving the last task publishes, so it is
    offered only when the lesson's video (if any) can already play, the same rule as
    publishing from the editor. Approving also places the lesson where the editor
    chose (``cms.services.lesson_place``; without a choice, the first section), so
    the published lesson lives in a section or course, not under 讲师投稿."""

    def get_actions(self, obj, user):
        actions = super().get_actions(obj, user)
        if unplayable_video(obj) is not None:
            return [action for action in actions if action[0] != "approve"]
        # Approving always opens the form that asks where the lesson goes.
        approve = [action for action in actions if action[0] == "approve"]
        others = [action for action in actions if action[0] != "approve"]
        if approve:
            others.append(("approve", "通过并发布", True))
        return others

    def get_form_for_action(self, action):
        if action == "approve":
            from cms.approval import LessonApprovalForm

            return LessonApprovalForm
        return super().get_form_for_action(action)

    def on_action(self, task_state, user, action_name, **kwargs):
        from cms.errors import LessonPlacementRefused
        from cms.services import lesson_destinations, lesson_place

        destination = kwargs.pop("destination", "") or ""
        if action_name != "approve":
            return super().on_action(task_state, user, action_name, **kwargs)
        asset = unplayable_video(task_state.revision.as_object())
        if asset is not None:
            raise PermissionDenied(NOT_PLAYABLE.format(title=asset.title))
        if not destination:
            choices = lesson_destinations(user=user)
            destination = choices[0][0] if choices else ""
        with transaction.atomic():
            if destination:
                try:
                    lesson_place(
                        lesson=task_state.revision.content_object,
                        destination=destination,
                        user=user,
                    )
                except LessonPlacementRefused as error:
                    raise PermissionDenied(error.detail) from error
            return super().on_action(task_state, user, action_name, **kwargs)

    @classmethod
    def get_description(cls):
        return "编辑组成员审核；视频可播放后才能通过（通过即发布）"

    class Meta:
        verbose_name = "微党课审核任务"
        verbose_name_plural = "微党课审核任务"
