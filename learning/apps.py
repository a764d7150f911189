from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = "学习管理"

    def ready(self) -> None:
        from learning import signal_handlers

        signal_handlers.register()
