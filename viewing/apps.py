from django.apps import AppConfig


class ViewingConfig(AppConfig):
    name = "viewing"
    verbose_name = "集中收看"
