"""The portal's 宣讲比赛 pages (included by ``themes.urls``)."""

urlpatterns: list = []
