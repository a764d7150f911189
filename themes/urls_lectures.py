"""The portal's 讲师点单 pages (included by ``themes.urls``)."""

from django.urls import path

from themes import views_lectures

urlpatterns: list = [
    path("lectures/", views_lectures.menu_view, name="lectures_menu"),
    path(
        "lectures/<int:lecture_id>/",
        views_lectures.lecture_view,
        name="lectures_lecture",
    ),
    path("lectures/orders/", views_lectures.orders_view, name="lectures_orders"),
    path("lectures/incoming/", views_lectures.incoming_view, name="lectures_incoming"),
    path("lectures/propose/", views_lectures.propose_view, name="lectures_propose"),
    path(
        "lectures/orders/<int:order_id>/rate/",
        views_lectures.rate_view,
        name="lectures_rate",
    ),
    path(
        "lectures/calendar/reset/",
        views_lectures.calendar_reset_view,
        name="lectures_calendar_reset",
    ),
    path(
        "lectures/calendar/<str:secret>.ics",
        views_lectures.calendar_feed_view,
        name="lectures_calendar_feed",
    ),
]
