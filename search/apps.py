from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "全文检索"

    def ready(self):
        from search import checks, signal_handlers  # noqa: F401 - registers checks

        signal_handlers.connect()
