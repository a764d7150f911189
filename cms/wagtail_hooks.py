from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.admin_views import InstanceCheckedViewSetMixin
from cms.models import Lecturer, RedRoute


class LecturerViewSet(InstanceCheckedViewSetMixin, SnippetViewSet):
    model = Lecturer
    icon = "user"
    menu_label = "师资库"
    list_display = ["name", "title", "organisation", "user"]
    search_fields = ["name", "specialties", "organisation"]
    add_to_admin_menu = True
    menu_order = 200


class RedRouteViewSet(SnippetViewSet):
    model = RedRoute
    icon = "site"
    menu_label = "红色线路"
    list_display = ["name"]


register_snippet(LecturerViewSet)
register_snippet(RedRouteViewSet)
