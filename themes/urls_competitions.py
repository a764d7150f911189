"""The portal's 宣讲比赛 pages (included by ``themes.urls``)."""

from django.urls import path

from themes import views_competitions as views

urlpatterns: list = [
    path("me/competitions/", views.competitions_view, name="competitions"),
    path(
        "me/competitions/<int:competition_id>/",
        views.competition_view,
        name="competition",
    ),
    path(
        "me/competitions/entries/<int:entry_id>/",
        views.competition_entry_view,
        name="competition_entry",
    ),
    path(
        "me/competitions/rounds/<int:round_id>/judge/",
        views.competition_judge_view,
        name="competition_judge",
    ),
    path(
        "me/competitions/rounds/<int:round_id>/vote/",
        views.competition_vote_view,
        name="competition_vote",
    ),
    path(
        "me/competitions/rounds/<int:round_id>/screen/",
        views.competition_screen_view,
        name="competition_screen",
    ),
    path(
        "competitions/awards/<int:award_id>/",
        views.competition_award_view,
        name="competition_award",
    ),
]
