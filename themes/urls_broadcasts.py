"""The portal's 直播党课 pages (included by ``themes.urls``)."""

from django.urls import path

from themes import views_broadcasts

urlpatterns: list = [
    path("zhibo/", views_broadcasts.broadcasts_view, name="broadcasts"),
    path("zhibo/<int:lecture_id>/", views_broadcasts.broadcast_view, name="broadcast"),
]
