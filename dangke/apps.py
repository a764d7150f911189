from django.apps import AppConfig


class DangkeConfig(AppConfig):
    """The project package as an app for its commands (``load_demo``), which compose
    every app's demo (no app imports them), and for the framework patches of
    ``dangke.compat`` that must hold before any request; it forgets cached bearer
    tokens when they change (``dangke.tokens``)."""

    name = "dangke"
    verbose_name = "党课"

    def ready(self) -> None:
        from dangke.compat import (
            modelsearch_sqlite_quotes_escape,
            patches_check,
            wagtail_spreadsheet_exports_make_cells_safe,
        )
        from dangke.tokens import token_cache_signals_connect

        # A framework internal a patch relies on has moved: stop here, naming it.
        patches_check()
        wagtail_spreadsheet_exports_make_cells_safe()
        modelsearch_sqlite_quotes_escape()
        token_cache_signals_connect()
