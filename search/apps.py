from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "全文检索"

    def ready(self):
        from search import checks, signal_handlers  # noqa: F401 - registers checks

        signal_handlers.connect()
        from dangke.health import readiness_check_register
        from search.selectors import search_readiness

        readiness_check_register("search", search_readiness)
