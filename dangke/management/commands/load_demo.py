"""The demo of the whole platform: content, learning, and the search index."""

from django.core.management.base import BaseCommand

from assessment.demo import assessment_demo_load
from cms.demo import demo_content_load
from learning.demo import learning_demo_load
from search.services import search_index_rebuild, search_synonyms_load


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
        learning_demo_load(stdout=self.stderr)
        assessment_demo_load(stdout=self.stderr)
        search_synonyms_load()  # the starting synonym dictionary (idempotent)
        # The index follows publishing through the worker; rebuild it here so search
        # works the moment `make run` serves, before the worker has caught up.
        search_index_rebuild(stdout=self.stderr)
        self.stdout.write(self.style.SUCCESS("演示内容已就绪 (demo content loaded)"))
