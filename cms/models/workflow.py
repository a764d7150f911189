from django.core.exceptions import PermissionDenied
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
    publishing from the editor."""

    def get_actions(self, obj, user):
        actions = super().get_actions(obj, user)
        if unplayable_video(obj) is not None:
            return [action for action in actions if action[0] != "approve"]
        return actions

    def on_action(self, task_state, user, action_name, **kwargs):
        if action_name == "approve":
            asset = unplayable_video(task_state.revision.as_object())
            if asset is not None:
                raise PermissionDenied(NOT_PLAYABLE.format(title=asset.title))
        return super().on_action(task_state, user, action_name, **kwargs)

    @classmethod
    def get_description(cls):
        return "编辑组成员审核；视频可播放后才能通过（通过即发布）"

    class Meta:
        verbose_name = "微党课审核任务"
        verbose_name_plural = "微党课审核任务"
