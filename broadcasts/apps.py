from django.apps import AppConfig


class BroadcastsConfig(AppConfig):
    name = "broadcasts"
    verbose_name = "直播党课"
