"""The portal's 心得体会 pages (included by ``themes.urls``)."""

from django.urls import path

from themes import views_reflections

urlpatterns: list = [
    path("me/reflections/", views_reflections.reflections_view, name="reflections"),
    path(
        "me/reflections/write/",
        views_reflections.reflection_write_view,
        name="reflection_write",
    ),
    path(
        "me/reflections/to-read/",
        views_reflections.reflections_to_read_view,
        name="reflections_to_read",
    ),
    path(
        "me/reflections/to-read/<int:reflection_id>/",
        views_reflections.reflection_review_view,
        name="reflection_review",
    ),
]
