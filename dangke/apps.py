from django.apps import AppConfig


class DangkeConfig(AppConfig):
    """The project package as an app for its commands (``load_demo``), which compose
    every app's demo (no app imports them), and for the framework patches of
    ``dangke.compat`` that must hold before any request."""

    name = "dangke"
    verbose_name = "党课"

    def ready(self) -> None:
        from dangke.compat import wagtail_spreadsheet_exports_make_cells_safe

        wagtail_spreadsheet_exports_make_cells_safe()
