"""The portal's 心得体会 pages (included by ``themes.urls``)."""

urlpatterns: list = []
