from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from media_pipeline.forms import VideoAssetAdminForm
from media_pipeline.models import VideoAsset


class VideoAssetViewSet(SnippetViewSet):
    model = VideoAsset
    icon = "media"
    menu_label = "视频素材"
    add_to_admin_menu = True
    menu_order = 210
    list_display = ["title", "status", "duration", "uploaded_by", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "original_filename"]
    edit_handler = ObjectList(
        [FieldPanel("title"), FieldPanel("file")], base_form_class=VideoAssetAdminForm
    )


register_snippet(VideoAssetViewSet)
