"""The demo of the whole platform: content, learning, and the search index."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from assessment.demo import assessment_demo_load
from broadcasts.demo import broadcasts_demo_load
from certificates.demo import certificates_demo_load
from cms.demo import demo_content_load, demo_site_configure
from cms.demo_media import DemoMediaUnavailable, espeak_binary, font_path
from competitions.demo import competitions_demo_load
from learning.demo import learning_demo_load
from lectures.demo import lectures_demo_load
from meetings.demo import meetings_demo_load
from reflections.demo import reflections_demo_load
from search.services import (
    search_index_rebuild,
    search_sync_paused,
    search_synonyms_load,
)
from training.demo import training_demo_load
from viewing.demo import viewing_demo_load


class Command(BaseCommand):
    help = "Load the Chinese demo content and demo logins (idempotent: run it again safely)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-media",
            action="store_true",
            help="skip generating and processing the demo videos",
        )
        parser.add_argument(
            "--base-url",
            default=settings.WAGTAILADMIN_BASE_URL,
            help="where the demo is served (make run: http://$HOST:$PORT); the "
            "Wagtail site takes its host and port",
        )

    def handle(self, *args, **options):
        try:
            demo_site_configure(base_url=options["base_url"])
        except ValueError as exc:
            raise CommandError(f"--base-url: {exc}") from None
        if not options["no_media"]:
            try:
                font_path()
            except DemoMediaUnavailable as exc:
                raise CommandError(str(exc)) from None
            if espeak_binary() is None:
                self.stderr.write(
                    self.style.WARNING(
                        "espeak-ng is not installed: the demo lessons are silent "
                        "(subtitles only). Install Debian's espeak-ng (make setup "
                        "does) and delete var/demo-media/ to give them a voice."
                    )
                )
        # One index rebuild at the end instead of a task per published page, which
        # the worker would otherwise drain one by one after `make run` starts.
        with search_sync_paused():
            demo_content_load(stdout=self.stderr, with_media=not options["no_media"])
            learning_demo_load(stdout=self.stderr)
            assessment_demo_load(stdout=self.stderr)
            meetings_demo_load(stdout=self.stderr)
            training_demo_load(stdout=self.stderr)
            certificates_demo_load(stdout=self.stderr)
            lectures_demo_load(stdout=self.stderr)
            competitions_demo_load(stdout=self.stderr)
            broadcasts_demo_load(stdout=self.stderr)
            viewing_demo_load(stdout=self.stderr)
            reflections_demo_load(stdout=self.stderr)
        search_synonyms_load()  # the starting synonym dictionary (idempotent)
        search_index_rebuild(stdout=self.stderr)
        self.stdout.write(self.style.SUCCESS("演示内容已就绪 (demo content loaded)"))
