"""Admin: 直播党课 — lectures of the user's organisation subtrees (scheduled in a
scoped viewset, ``dangke.admin_scope``), and each lecture's page with the stream
key for OBS and the presence report (``broadcasts.admin_views``)."""

from __future__ import annotations

from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import CreateView
from wagtail.admin.viewsets.model import ModelViewSet

from broadcasts import admin_views, services
from broadcasts.forms import LiveLectureForm
from broadcasts.models import LiveLecture
from dangke.admin_scope import ScopedViewSetMixin
from learning.selectors import organisation_scope_q

PANELS = [
    FieldPanel("title"),
    FieldPanel("description"),
    FieldPanel("lecturer"),
    FieldRowPanel([FieldPanel("organisation"), FieldPanel("member_types")]),
    FieldRowPanel(
        [
            FieldPanel("starts_at"),
            FieldPanel("expected_minutes"),
            FieldPanel("attendance_percent"),
        ]
    ),
    FieldPanel("meeting"),
    FieldPanel("recording_lesson"),
]


class LectureCreateView(CreateView):
    """Scheduling in the admin is ``lecture_schedule``'s business too: the creator
    is kept and the audience gets its notice and reminder."""

    def save_instance(self):
        instance = self.form.save(commit=False)
        instance.created_by = self.request.user
        instance.save()
        self.form.save_m2m()
        services.lecture_notices_send(lecture=instance, now=timezone.now())
        return instance

    def get_success_url(self):
        return reverse("broadcasts_admin_lecture", args=[self.object.pk])


class StreamColumn(Column):
    def get_value(self, instance):
        return format_html(
            '<a href="{}">推流与出席</a>',
            reverse("broadcasts_admin_lecture", args=[instance.pk]),
        )


class LiveLectureViewSet(ScopedViewSetMixin, ModelViewSet):
    model = LiveLecture
    icon = "media"
    menu_label = "直播党课"
    menu_order = 254
    add_to_admin_menu = True
    add_view_class = LectureCreateView
    list_display = [
        "title",
        "organisation",
        "starts_at",
        "status",
        StreamColumn("stream", label="推流与出席"),
    ]
    list_filter = ["status"]
    search_fields = ["title"]
    search_backend_name = None
    edit_handler = ObjectList(PANELS, base_form_class=LiveLectureForm)

    def scope_queryset(self, queryset, *, user):
        return queryset.filter(organisation_scope_q(user=user, prefix="organisation__"))


@hooks.register("register_admin_viewset")
def register_live_lectures():
    return LiveLectureViewSet("live_lectures")


@hooks.register("register_admin_urls")
def register_broadcasts_urls():
    return [
        path(
            "broadcasts/<int:live_lecture_id>/",
            admin_views.lecture_view,
            name="broadcasts_admin_lecture",
        ),
    ]
