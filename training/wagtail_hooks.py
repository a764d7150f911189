"""Admin: yearly training plans, the parent's filing queue (备案), plan against
actual and the class closing pages (``training.admin_views``)."""

from __future__ import annotations

from django.urls import path, reverse
from wagtail import hooks

from dangke.admin_views import PermissionMenuItem
from training import admin_views


@hooks.register("register_admin_urls")
def register_training_urls():
    return [
        path("training/plans/", admin_views.plans_view, name="training_admin_plans"),
        path(
            "training/plans/<int:plan_id>/",
            admin_views.plan_view,
            name="training_admin_plan",
        ),
        path("training/queue/", admin_views.queue_view, name="training_admin_queue"),
        path("training/actual/", admin_views.actual_view, name="training_admin_actual"),
        path(
            "training/classes/", admin_views.classes_view, name="training_admin_classes"
        ),
        path(
            "training/shared/",
            admin_views.shared_courses_view,
            name="training_admin_shared",
        ),
        path(
            "training/classes/<int:class_id>/",
            admin_views.class_view,
            name="training_admin_class",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_training_menu_item():
    return PermissionMenuItem(
        "培训计划",
        reverse("training_admin_plans"),
        icon_name="list-ul",
        order=254,
        permission=admin_views.PERMISSION,
    )
