"""Recompute the Resolution 1 tally from a replies export (CSV or XLSX), with nothing but the
file: anyone holding the spreadsheet can check the frozen results TSB publishes.

    .venv/bin/python manage.py tally_from_export replies.xlsx

Per draft and Member State the latest version received on time counts; late rows are counted
apart; the 70 % test is rules.may_proceed, exact. Column headers and decision labels are the
export's (English, stable: consultation.exports.REPLY_COLUMNS).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.utils import translation

from consultation import rules


def _labels() -> dict[str, str]:
    from consultation.models import ReplyPosition

    with translation.override("en"):
        return {str(d.label): d.value for d in ReplyPosition.Decision}


def _unescape(value: Any) -> str:
    """A text cell as exported: a leading quote guards formula-looking text (exports)."""
    text = "" if value is None else str(value)
    return text[1:] if text.startswith("'") else text


def tally_from_rows(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> dict[str, Any]:
    """{draft: {replies, supporting_no_comments, supporting_with_comments, not_supporting,
    percent, proceeds, late}} from the export's rows."""
    col = {name: index for index, name in enumerate(header)}
    labels = _labels()
    latest: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
    late: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        draft, state = _unescape(row[col["draft"]]), _unescape(row[col["Member State"]])
        if _unescape(row[col["late"]]) == "yes":
            late[draft].add(state)
            continue
        version = int(row[col["version"]])
        counted = latest[draft].get(state)
        if counted is None or version > counted[0]:
            latest[draft][state] = (version, labels[_unescape(row[col["decision"]])])
    tallies: dict[str, Any] = {}
    for draft in sorted(set(latest) | set(late)):
        decisions = [decision for _, decision in latest[draft].values()]
        no_comments = decisions.count(rules.AUTHORIZE_NO_COMMENTS)
        with_comments = decisions.count(rules.AUTHORIZE_WITH_COMMENTS)
        replies = len(decisions)
        supporting = no_comments + with_comments
        tallies[draft] = {
            "replies": replies,
            "supporting_no_comments": no_comments,
            "supporting_with_comments": with_comments,
            "not_supporting": decisions.count(rules.DO_NOT_AUTHORIZE),
            "percent": round(100 * supporting / replies, 1) if replies else None,
            "proceeds": rules.may_proceed(supporting=supporting, replies=replies),
            "late": len(late[draft]),
        }
    return tallies


def read_export(path: Path) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of a replies export, CSV (UTF-8, with or without BOM) or XLSX."""
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        sheet = openpyxl.load_workbook(path, read_only=True).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    else:
        text = path.read_bytes().decode("utf-8-sig")
        rows = [list(row) for row in csv.reader(io.StringIO(text))]
    if not rows:
        raise ValueError(f"{path.name} is empty")
    return [str(h) for h in rows[0]], rows[1:]
