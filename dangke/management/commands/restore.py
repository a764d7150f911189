"""``manage.py restore <backup>``: into an empty database and an empty storage."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangke.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup folder made by `manage.py backup` into an EMPTY database "
        "(--database-url, not migrated) and an EMPTY media folder (--media-root) or "
        "S3 bucket (--bucket, with the AWS_* settings); then compare row counts."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="the backup folder (dangke-<timestamp>)")
        parser.add_argument(
            "--database-url", required=True, help="the empty target database"
        )
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--media-root", help="the empty target media folder")
        target.add_argument("--bucket", help="the empty target S3 bucket")

    def handle(self, *args, **options):
        try:
            backup_restore(
                source=Path(options["backup"]),
                database_url=options["database_url"],
                media_root=Path(options["media_root"])
                if options["media_root"]
                else None,
                bucket=options["bucket"],
                stdout=self.stderr,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("恢复完成 (restored)"))
