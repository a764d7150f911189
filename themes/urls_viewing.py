"""The portal's 集中收看 pages (included by ``themes.urls``)."""

urlpatterns: list = []
