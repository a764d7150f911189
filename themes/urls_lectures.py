"""The portal's 讲师点单 pages (included by ``themes.urls``)."""

urlpatterns: list = []
