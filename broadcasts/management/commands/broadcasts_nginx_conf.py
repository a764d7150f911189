"""Write nginx's configuration for the live lectures' ingest (``broadcasts.nginx``)
and print its path; ``make run`` then starts ``nginx -c <path>``."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from broadcasts.nginx import nginx_conf_write


class Command(BaseCommand):
    help = "Write var/live/nginx.conf for nginx-rtmp (the live lectures' ingest)."

    def add_arguments(self, parser):
        parser.add_argument("--rtmp-port", type=int, default=None)
        parser.add_argument(
            "--platform-url", default=None, help="where nginx's callbacks go"
        )

    def handle(self, *args, rtmp_port=None, platform_url=None, **options):
        path = nginx_conf_write(rtmp_port=rtmp_port, platform_url=platform_url)
        self.stdout.write(str(path))
