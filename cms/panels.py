"""Admin panels of cms pages that are not plain fields."""

from __future__ import annotations

from wagtail.admin.panels import Panel

from media_pipeline.selectors import video_asset_review_player


class VideoReviewPanel(Panel):
    """The page's video in a player, for its lecturer and the editors reviewing it:
    the preview while the video is still transcoding (the review can start before the
    ladder is done), the published version once it is ready."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "cms/admin/video_review_panel.html"

        def _player(self):
            asset = getattr(self.instance, "video", None)
            if asset is None:
                return None
            return video_asset_review_player(asset=asset, user=self.request.user)

        def is_shown(self) -> bool:
            # With a video, the panel says its state even before it can play.
            return getattr(self.instance, "video", None) is not None

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["player"] = self._player()
            context["asset"] = getattr(self.instance, "video", None)
            return context
