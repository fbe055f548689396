"""Every write of the accounts app."""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from accounts.models import MemberState, Region

REGISTER_PATH = Path(__file__).resolve().parent / "data" / "member_states.csv"
REGISTER_COLUMNS = ("alpha2", "alpha3", "itu_name", "region", "joined_on", "left_on", "source_note")


class RegisterError(ValueError):
    """The Member State register file is malformed."""


@dataclass(frozen=True)
class SyncResult:
    created: int
    updated: int
    unchanged: int


def _parse_date(value: str, *, line: int, column: str) -> datetime.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise RegisterError(f"line {line}: {column} {value!r} is not a date (YYYY-MM-DD)") from None


def member_states_read_register(path: Path = REGISTER_PATH) -> list[dict[str, object]]:
    """Read and validate the shipped register; raise RegisterError on the first bad line."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != REGISTER_COLUMNS:
            raise RegisterError(f"expected columns {REGISTER_COLUMNS}, got {reader.fieldnames}")
        rows: list[dict[str, object]] = []
        for line, raw in enumerate(reader, start=2):
            region = raw["region"].strip()
            if region not in Region.values:
                raise RegisterError(f"line {line}: region {region!r} is not one of A-E")
            alpha2, alpha3 = raw["alpha2"].strip().upper(), raw["alpha3"].strip().upper()
            if len(alpha2) != 2 or len(alpha3) != 3:
                raise RegisterError(f"line {line}: bad ISO codes {alpha2!r}/{alpha3!r}")
            rows.append(
                {
                    "alpha2": alpha2,
                    "alpha3": alpha3,
                    "name": raw["itu_name"].strip(),
                    "region": region,
                    "joined_on": _parse_date(raw["joined_on"], line=line, column="joined_on"),
                    "left_on": _parse_date(raw["left_on"], line=line, column="left_on"),
                    "note": raw["source_note"].strip()[:300],
                }
            )
    return rows


def member_states_sync(*, rows: list[dict[str, object]] | None = None) -> SyncResult:
    """Create or update the Member States from the register, keyed by ISO alpha-3.

    Idempotent: running it twice changes nothing the second time. States absent from the
    register are left alone (TSB may have added one before the file is updated).
    """
    rows = member_states_read_register() if rows is None else rows
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {state.alpha3: state for state in MemberState.objects.select_for_update()}
        for row in rows:
            state = existing.get(str(row["alpha3"]))
            if state is None:
                MemberState.objects.create(**row)  # type: ignore[arg-type]
                created += 1
                continue
            changed = [name for name, value in row.items() if getattr(state, name) != value]
            if changed:
                for name in changed:
                    setattr(state, name, row[name])
                state.save(update_fields=changed)
                updated += 1
            else:
                unchanged += 1
    return SyncResult(created=created, updated=updated, unchanged=unchanged)
