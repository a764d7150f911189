"""The portal's own URLs; content pages are served by Wagtail after these."""

from django.urls import path

from themes import (
    urls_broadcasts,
    urls_competitions,
    urls_lectures,
    urls_reflections,
    urls_viewing,
    views,
    views_assessment,
    views_checkin,
    views_feedback,
    views_meetings,
    views_search,
    views_shell,
    views_sites,
    views_training,
)

app_name = "portal"

urlpatterns = [
    path("login/", views.signin_view, name="signin"),
    path("logout/", views.signout_view, name="signout"),
    path("theme.css", views.theme_css_view, name="theme_css"),
    path("settings/elder-mode/", views.elder_mode_view, name="elder_mode"),
    path("me/archive/", views.archive_view, name="archive"),
    # the app shell: 学习, 我的, the offline page and its service worker
    path("learn/", views_shell.learning_view, name="learning"),
    path("me/", views_shell.me_view, name="me"),
    path(
        "me/password/",
        views_shell.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path("offline/", views_shell.offline_view, name="offline"),
    path("sw.js", views_shell.service_worker_view, name="service_worker"),
    path("me/enrol/<int:course_id>/", views.enrol_view, name="enrol"),
    path("sites/", views_sites.sites_view, name="sites"),
    path("sites/routes/<int:route_id>/", views_sites.route_view, name="route"),
    path("search/", views_search.search_view, name="search"),
    path("me/checkin/", views_checkin.checkin_view, name="checkin"),
    path("me/feedback/", views_feedback.feedback_view, name="feedback"),
    path(
        "me/sessions/<int:session_id>/screen/",
        views_checkin.session_screen_view,
        name="session_screen",
    ),
    path("me/training/", views_training.training_classes_view, name="training_classes"),
    path(
        "me/training/<int:class_id>/",
        views_training.training_class_view,
        name="training_class",
    ),
    path("me/meetings/", views_meetings.meetings_view, name="meetings"),
    path("me/meetings/<int:meeting_id>/", views_meetings.meeting_view, name="meeting"),
    path(
        "me/meetings/<int:meeting_id>/screen/",
        views_meetings.meeting_screen_view,
        name="meeting_screen",
    ),
    # assessment: quizzes, exams, practice, wrong-answer book, contests
    path("me/quizzes/<int:quiz_id>/", views_assessment.quiz_view, name="quiz"),
    path(
        "me/attempts/<int:attempt_id>/", views_assessment.attempt_view, name="attempt"
    ),
    path("me/practice/", views_assessment.practice_view, name="practice"),
    path(
        "me/wrong-answers/", views_assessment.wrong_answers_view, name="wrong_answers"
    ),
    path(
        "me/wrong-answers/<int:question_id>/retry/",
        views_assessment.wrong_answer_retry_view,
        name="wrong_answer_retry",
    ),
    path(
        "me/wrong-answers/<int:question_id>/remove/",
        views_assessment.wrong_answer_remove_view,
        name="wrong_answer_remove",
    ),
    path("me/contests/", views_assessment.contests_view, name="contests"),
    path(
        "me/contests/<int:contest_id>/",
        views_assessment.contest_view,
        name="contest",
    ),
    path("live/join/", views_assessment.live_join_view, name="live_join"),
    path("live/<int:contest_id>/", views_assessment.live_phone_view, name="live_phone"),
    path(
        "live/<int:contest_id>/host/",
        views_assessment.live_host_view,
        name="live_host",
    ),
]
# Pages of the lecture menu, competitions, live lectures, group viewing and
# reflections: each app's portal routes are in themes/urls_<app>.py.
urlpatterns += [
    *urls_lectures.urlpatterns,
    *urls_competitions.urlpatterns,
    *urls_broadcasts.urlpatterns,
    *urls_viewing.urlpatterns,
    *urls_reflections.urlpatterns,
]
