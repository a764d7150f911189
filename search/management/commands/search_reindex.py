from django.core.management.base import BaseCommand, CommandError

from search.services import search_index_rebuild


class Command(BaseCommand):
    help = "Rebuild the search index from the database (with a progress bar)."

    def handle(self, *args, **options):
        try:
            # The bar draws in place with "\r": give it the raw stream, as Django's
            # OutputWrapper would end every write with a newline.
            count = search_index_rebuild(stdout=self.stderr._out)
        except Exception as exc:  # noqa: BLE001 - report any backend failure
            raise CommandError(f"search_reindex failed: {exc}") from exc
        self.stdout.write(f"search index rebuilt: {count} documents")
