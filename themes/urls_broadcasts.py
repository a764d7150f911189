"""The portal's 直播党课 pages (included by ``themes.urls``)."""

urlpatterns: list = []
