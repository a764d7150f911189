from django.core.management.base import BaseCommand

from cms.demo import demo_content_load


class Command(BaseCommand):
    help = "Load the Chinese demo content and demo logins (idempotent: run it again safely)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-media",
            action="store_true",
            help="skip generating and processing the demo videos",
        )

    def handle(self, *args, **options):
        demo_content_load(stdout=self.stderr, with_media=not options["no_media"])
        self.stdout.write(self.style.SUCCESS("演示内容已就绪 (demo content loaded)"))
