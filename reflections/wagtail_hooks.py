"""Admin: 心得体会, read by organisation administrators (those of members of their
subtrees) and editors (all): ``dangke.admin_scope`` keeps every generated view to
that scope. Only the reply and the 优秀 mark are edited; the save goes through
``reflections.services`` (the author gets a portal notice of a reply). No ranking
of individuals: the listing is by date."""

from __future__ import annotations

from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from dangke.admin_scope import ScopedViewSetMixin
from reflections.forms import ReflectionReplyForm
from reflections.models import Reflection
from reflections.selectors import reflections_read_by
from reflections.services import reflection_mark, reflection_reply


class ReflectionEditView(generic.EditView):
    def save_instance(self):
        data = self.form.cleaned_data
        reflection_reply(
            user=self.request.user, reflection_id=self.object.pk, reply=data["reply"]
        )
        if (
            data["excellent"] != self.object.excellent
            or "excellent" in self.form.changed_data
        ):
            return reflection_mark(
                user=self.request.user,
                reflection_id=self.object.pk,
                excellent=data["excellent"],
            )
        return Reflection.objects.get(pk=self.object.pk)


class ReflectionViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Reflection
    icon = "edit"
    menu_label = "心得体会"
    menu_order = 285
    add_to_admin_menu = True
    list_display = ["__str__", "kind", "organisation", "excellent", "created_at"]
    list_filter = ["kind", "excellent"]
    search_fields = ["text", "target_title"]
    search_backend_name = None
    edit_view_class = ReflectionEditView
    copy_view_enabled = False
    inspect_view_enabled = True

    def scope_queryset(self, queryset, *, user):
        return queryset.filter(pk__in=reflections_read_by(user=user).values("pk"))

    def get_edit_handler(self):
        return ObjectList(
            [
                FieldPanel("kind", read_only=True),
                FieldPanel("target_title", read_only=True),
                FieldPanel("author", read_only=True),
                FieldPanel("organisation", read_only=True),
                FieldPanel("text", read_only=True),
                FieldPanel("reply"),
                FieldPanel("excellent"),
            ],
            base_form_class=ReflectionReplyForm,
        ).bind_to_model(self.model)


@hooks.register("register_admin_viewset")
def register_reflection_viewset():
    return ReflectionViewSet("reflections")
