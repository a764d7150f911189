"""Check the report roll-ups against the member records, and repair them.

manage.py learning_reconcile          # print what differs; exit 1 when anything does
manage.py learning_reconcile --fix    # the same, then rebuild the roll-ups (exit 0
                                      # once they match)

Each difference is one line: organisation (or member), field, stored, recomputed.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from learning import services


class Command(BaseCommand):
    help = (
        "Recompute the report roll-ups from the member records, print what differs "
        "(organisation, field, stored, recomputed) and exit 1 if anything does; "
        "--fix rebuilds them"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix", action="store_true", help="rebuild the roll-ups from the records"
        )

    def handle(self, *args, fix: bool = False, **options):
        differences = services.rollups_differences()
        if differences:
            self.stdout.write("organisation\tfield\tstored\trecomputed")
        for d in differences:
            self.stdout.write(
                f"{d.organisation}\t{d.field}\t{d.stored}\t{d.recomputed}"
            )
        if not differences:
            self.stdout.write("roll-ups match the member records")
            return
        if fix:
            services.rollups_rebuild()
            if not services.rollups_differences():
                self.stdout.write(f"{len(differences)} differences repaired")
                return
        self.stderr.write(
            f"{len(differences)} differences; run with --fix to rebuild the roll-ups"
        )
        sys.exit(1)
