from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "全文检索"

    def ready(self):
        from search import signal_handlers

        signal_handlers.connect()
