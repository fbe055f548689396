import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from consultation.recompute import read_export, tally_from_rows


class Command(BaseCommand):
    help = "Recompute the Resolution 1 tally per draft from a replies export (CSV or XLSX)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            header, rows = read_export(path)
            tallies = tally_from_rows(header, rows)
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        self.stdout.write(json.dumps(tallies, indent=2, ensure_ascii=False))
