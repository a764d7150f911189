from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "内容管理"

    def ready(self):
        from wagtail.models import AbstractPage, Page
        from wagtail.permissions import register_permission_policy

        from cms import selectors, signal_handlers
        from cms.models import Lecturer
        from cms.permissions import (
            LecturerProfilePermissionPolicy,
            OwnSubmissionsPagePermissionPolicy,
        )
        from media_pipeline.selectors import video_asset_viewer_rule_register

        register_permission_policy(Lecturer, LecturerProfilePermissionPolicy(Lecturer))
        # Replaces Wagtail's policy for every page model (registered for AbstractPage).
        register_permission_policy(
            AbstractPage, OwnSubmissionsPagePermissionPolicy(Page)
        )
        signal_handlers.connect()
        # Who may play a video: also anyone who may see a live page that uses it.
        video_asset_viewer_rule_register(selectors.video_asset_visible_through_pages)
