"""The portal's 集中收看 pages (included by ``themes.urls``)."""

from django.urls import path

from themes import views_viewing

urlpatterns: list = [
    path("viewing/screen/", views_viewing.screen_view, name="viewing_screen"),
    path("viewing/pair/", views_viewing.pair_view, name="viewing_pair"),
    path(
        "viewing/rooms/<int:room_id>/checkin/",
        views_viewing.checkin_view,
        name="viewing_checkin",
    ),
]
