"""Admin: 投诉建议, answered by editors (every submission) and organisation
administrators (those of members of their subtrees): ``dangke.admin_scope`` keeps
every generated view to that scope. Only the status and the answer are edited; the
save goes through ``feedback.services.feedback_answer``, which notifies the
submitter in the portal."""

from __future__ import annotations

from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from dangke.admin_scope import ScopedViewSetMixin
from feedback.forms import FeedbackAnswerForm
from feedback.models import Feedback
from feedback.selectors import feedback_handled_by
from feedback.services import feedback_answer


class FeedbackEditView(generic.EditView):
    def save_instance(self):
        return feedback_answer(
            user=self.request.user,
            feedback_id=self.object.pk,
            status=self.form.cleaned_data["status"],
            answer=self.form.cleaned_data["answer"],
        )


class FeedbackViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Feedback
    icon = "mail"
    menu_label = "投诉建议"
    menu_order = 280
    add_to_admin_menu = True
    list_display = ["__str__", "category", "organisation", "status", "created_at"]
    list_filter = ["status", "category"]
    search_fields = ["text"]
    search_backend_name = None
    edit_view_class = FeedbackEditView
    copy_view_enabled = False
    inspect_view_enabled = True

    def scope_queryset(self, queryset, *, user):
        return feedback_handled_by(queryset, user=user)

    def get_edit_handler(self):
        return ObjectList(
            [
                FieldPanel("category", read_only=True),
                FieldPanel("text", read_only=True),
                FieldPanel("contact_preference", read_only=True),
                FieldPanel("contact", read_only=True),
                FieldPanel("page", read_only=True),
                FieldPanel("organisation", read_only=True),
                FieldPanel("status"),
                FieldPanel("answer"),
            ],
            base_form_class=FeedbackAnswerForm,
        ).bind_to_model(self.model)


@hooks.register("register_admin_viewset")
def register_feedback_viewset():
    return FeedbackViewSet("feedback")
