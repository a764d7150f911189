from django.http import Http404
from wagtail import hooks
from wagtail.documents import get_document_model
from wagtail.models import Page
from wagtail.permissions import policy_registry
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.models import Lecturer, RedRoute
from cms.permissions import OwnSubmissionsPagePermissionPolicy
from cms.selectors import page_visible_to_request, pages_using_document
from dangke.admin_scope import PolicyScopedViewSetMixin


class LecturerViewSet(PolicyScopedViewSetMixin, SnippetViewSet):
    model = Lecturer
    icon = "user"
    menu_label = "师资库"
    list_display = ["name", "title", "organisation", "user"]
    search_fields = ["name", "specialties", "organisation"]
    # The database search backend cannot restrict a query to these fields on SQLite
    # (nor filter a lecturer's own profile); a substring match suits the pool.
    search_backend_name = None
    add_to_admin_menu = True
    menu_order = 200


class RedRouteViewSet(SnippetViewSet):
    model = RedRoute
    icon = "site"
    menu_label = "红色线路"
    list_display = ["name"]


register_snippet(LecturerViewSet)
register_snippet(RedRouteViewSet)


@hooks.register("construct_page_chooser_queryset")
def choose_only_own_submissions(pages, request):
    """The chooser (browse and search) hides other lecturers' submissions, as the
    explorer does (``cms.permissions.OwnSubmissionsPagePermissionPolicy``)."""
    policy = policy_registry.get_by_type(Page)
    if isinstance(policy, OwnSubmissionsPagePermissionPolicy):
        pages = policy.pages_without_others(user=request.user, pages=pages)
    return pages


@hooks.register("before_serve_document")
def serve_courseware_only_through_visible_pages(document, request):
    """A document is served to those who may change it in the admin (editors, its
    uploader), or when a live page the requester may see uses it (a lesson's
    courseware, a VR package); otherwise it does not exist for them. Admin access
    alone is not enough: a lecturer or a secretary never downloads the courseware
    of a draft or a restricted lesson."""
    policy = policy_registry.get_by_type(get_document_model())
    if policy.user_has_permission_for_instance(request.user, "change", document):
        return None
    for page in pages_using_document(document_id=document.pk):
        if page_visible_to_request(page=page, request=request):
            return None
    raise Http404("No document matches the given query.")
