from django.core.management.base import BaseCommand, CommandError

from search.services import search_query_log_purge


class Command(BaseCommand):
    help = (
        "Delete search query log rows older than SEARCH_QUERY_LOG_RETENTION_DAYS "
        "(or --days)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="keep this many days"
        )

    def handle(self, *args, days=None, **options):
        if days is not None and days <= 0:
            raise CommandError(f"--days must be greater than zero, got {days}")
        deleted = search_query_log_purge(days=days)
        self.stdout.write(f"search query log: {deleted} rows deleted")
