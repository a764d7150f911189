from django.apps import AppConfig


class DangkeConfig(AppConfig):
    """The project package as an app only for its commands (``load_demo``), which
    compose every app's demo; no app imports them."""

    name = "dangke"
    verbose_name = "党课"
