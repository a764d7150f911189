"""``manage.py backup``: the database and the media storage into one folder."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dangke.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, custom format; SQLite: its online backup) "
        "and the media storage (local or S3, as a tar) into <to>/dangke-<timestamp>/."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to",
            default=str(Path(settings.BASE_DIR) / "var" / "backups"),
            help="the folder that receives the timestamped backup (BACKUP_DIR)",
        )

    def handle(self, *args, **options):
        try:
            folder = backup_create(root=Path(options["to"]), stdout=self.stderr)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(folder))
