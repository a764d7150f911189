from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList, Panel
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import ListingButton
from wagtail.permissions import policy_registry
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from dangke.admin_scope import PolicyScopedViewSetMixin, ScopedViewSetMixin
from media_pipeline.forms import SubtitleAdminForm, VideoAssetAdminForm
from media_pipeline.models import Subtitle, VideoAsset
from media_pipeline.selectors import (
    video_asset_is_playable,
    video_asset_review_player,
)
from media_pipeline.services import video_asset_reprocess


def _may_reprocess(user, asset: VideoAsset) -> bool:
    return policy_registry.get(asset).user_has_permission_for_instance(
        user, "change", asset
    )


class AssetStatePanel(Panel):
    """Read-only processing state of the asset being edited."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "media_pipeline/admin/asset_state_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            asset = self.instance
            context["asset"] = asset
            if asset.pk:
                context["renditions"] = list(asset.renditions.all())
                context["player"] = video_asset_review_player(
                    asset=asset, user=self.request.user
                )
                if _may_reprocess(self.request.user, asset):
                    context["reprocess_url"] = reverse(
                        "media_pipeline_reprocess", args=[asset.pk]
                    )
            return context


class VideoAssetViewSet(PolicyScopedViewSetMixin, SnippetViewSet):
    model = VideoAsset
    icon = "media"
    menu_label = "视频素材"
    add_to_admin_menu = True
    menu_order = 210
    list_display = [
        "title",
        Column("state_label", label="状态"),
        Column("duration", label="时长（秒）"),
        Column("error", label="错误原因"),
        "uploaded_by",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["title", "original_filename"]
    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldPanel("file"),
            AssetStatePanel(heading="处理状态"),
        ],
        base_form_class=VideoAssetAdminForm,
    )


class SubtitleViewSet(ScopedViewSetMixin, SnippetViewSet):
    """Subtitles of the assets the user may change or view (a lecturer: their own
    uploads), in every view: ``dangke.admin_scope``."""

    model = Subtitle
    icon = "doc-full"
    menu_label = "字幕"
    list_display = ["asset", "label", "language", "created_at"]

    def scope_queryset(self, queryset, *, user):
        assets = policy_registry.get_by_type(
            VideoAsset
        ).instances_user_has_any_permission_for(user, ["change", "view"])
        return queryset.filter(asset__in=assets.values("pk"))

    edit_handler = ObjectList(
        [
            FieldPanel("asset"),
            FieldPanel("language"),
            FieldPanel("label"),
            FieldPanel("subtitle_file"),
        ],
        base_form_class=SubtitleAdminForm,
    )


register_snippet(VideoAssetViewSet)
register_snippet(SubtitleViewSet)


def reprocess_view(request, asset_id: int):
    asset = get_object_or_404(VideoAsset, pk=asset_id)
    if not _may_reprocess(request.user, asset):
        raise PermissionDenied
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = ""
    next_url = next_url or reverse("wagtailsnippets_media_pipeline_videoasset:list")
    if request.method == "POST":
        video_asset_reprocess(asset=asset)
        messages.success(request, f"「{asset.title}」已重新排队处理。")
        return redirect(next_url)
    return TemplateResponse(
        request,
        "media_pipeline/admin/reprocess_confirm.html",
        {"asset": asset, "next_url": next_url, "page_title": "重新处理"},
    )


@hooks.register("register_admin_urls")
def register_reprocess_url():
    return [
        path(
            "media/assets/<int:asset_id>/reprocess/",
            reprocess_view,
            name="media_pipeline_reprocess",
        )
    ]


@hooks.register("register_snippet_listing_buttons")
def reprocess_listing_button(snippet, user, next_url=None):
    if isinstance(snippet, VideoAsset) and _may_reprocess(user, snippet):
        url = reverse("media_pipeline_reprocess", args=[snippet.pk])
        yield ListingButton(
            "重新处理",
            f"{url}?{urlencode({'next': next_url or ''})}",
            icon_name="repeat",
            priority=40,
        )


@hooks.register("before_bulk_action")
def block_bulk_publish_without_ready_video(request, action_type, objects, action):
    """Wagtail's bulk 发布 (and its "include drafts below") publishes none of the
    chosen pages when one of them would go live with a video that cannot play."""
    if action_type != "publish":
        return None
    pages = list(objects)
    form = getattr(action, "cleaned_form", None)
    if form is not None and form.cleaned_data.get("include_descendants"):
        for page in list(pages):
            pages.extend(page.get_descendants().not_live().specific())
    for page in pages:
        latest = page.get_latest_revision_as_object()
        asset = getattr(latest, "video", None)
        if isinstance(asset, VideoAsset) and not video_asset_is_playable(asset=asset):
            messages.error(
                request,
                f"无法批量发布：「{page.title}」的视频「{asset.title}」尚未处理完成"
                f"（{asset.state_label}），所选页面均未发布。",
            )
            return redirect(action.next_url)
    return None


@hooks.register("before_publish_page")
def block_publish_without_ready_video(request, page):
    """A lesson whose video has no playable version stays a draft."""
    asset = getattr(page.specific, "video", None)
    if not isinstance(asset, VideoAsset) or video_asset_is_playable(asset=asset):
        return None
    if page.live and page.live_revision_id is None:
        # The admin's create view saves a page it is about to publish as live
        # before asking this hook: a refused first publication stays a draft.
        type(page).objects.filter(pk=page.pk).update(live=False)
    messages.error(
        request,
        f"无法发布：视频「{asset.title}」尚未处理完成（{asset.state_label}）。"
        "修改已保存为草稿，请在视频可播放后再发布。",
    )
    return redirect("wagtailadmin_pages:edit", page.pk)
