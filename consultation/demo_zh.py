"""The Chinese edition of TSB Circular 205, read from the seed copy shipped with the portal
(consultation/data/circular_205_zh.txt, the text of the circular as issued in Chinese).

The pieces are found by the headings the circular itself prints (事由, 尊敬的先生/女士, 概要 ...),
so every Chinese text the demo loads is the circular's own wording, not a translation of ours.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

SEED_PATH = Path(__file__).resolve().parent / "data" / "circular_205_zh.txt"


class SeedError(ValueError):
    """The seed copy does not have the expected shape."""


def _lines() -> list[str]:
    text = SEED_PATH.read_text(encoding="utf-8")
    text = re.sub(r"\[(bookmark|image): [^\]]*\]", "", text)
    return [line.strip() for line in text.splitlines() if line.strip()]


def _between(lines: list[str], start: str, end: str, *, after: int = 0) -> tuple[list[str], int]:
    """The lines after the first line equal to `start` (from index `after`) up to `end`."""
    try:
        first = lines.index(start, after) + 1
        last = next(i for i in range(first, len(lines)) if lines[i].startswith(end))
    except (ValueError, StopIteration) as exc:
        raise SeedError(f"{SEED_PATH.name}: no text between {start!r} and {end!r}") from exc
    return lines[first:last], last


def _paragraph(line: str) -> str:
    # "1\tITU-T ..." as printed: the paragraph number, then the text.
    return re.sub(r"^(\d+)\t", r"\1 ", line)


def _item(line: str) -> str:
    # "–\tITU-T部门成员；": a list item of the copy list.
    return line.lstrip("–").strip().rstrip("；;")


@functools.cache
def circular_205_zh() -> dict[str, Any]:
    """The Chinese texts of Circular 205: subject, body, addressees, copy list, the study
    group's title, the meeting's place, and Q.5051's title, summary, A.5 and IPR notes."""
    lines = _lines()
    to, _ = _between(lines, "致：", "电子")
    copies, _ = _between(lines, "抄送：", "事由：")
    subject, _ = _between(lines, "事由：", "尊敬的先生/女士：")
    body, _ = _between(lines, "尊敬的先生/女士：", "顺致敬意！")
    annex1, end = _between(lines, "已确定的案文草案标题、概要和出处", "附件2")
    summary, _ = _between(annex1, "概要", "尚未为此")
    a5 = next(line for line in annex1 if "A.5" in line)
    ipr = next(line for line in annex1 if line.startswith("电信标准化局注"))
    first = _paragraph(body[0])
    group = re.search(r"ITU-T第11研究组（([^）]+)）", first)
    place = re.search(r"于(\S+?)召开", first)
    if group is None or place is None or len(annex1) < 3:
        raise SeedError(f"{SEED_PATH.name}: paragraph 1 or Annex 1 not as expected")
    return {
        "addressees": _item(to[0]),
        "copies": [_item(line) for line in copies],
        "subject": "".join(subject),
        "body": "\n\n".join(_paragraph(line) for line in body),
        "study_group_title": group.group(1),
        "place": place.group(1).removeprefix("2020年3月4-13日"),
        "title": annex1[1],
        "summary": "\n\n".join(summary),
        "a5_note": a5,
        "ipr_note": ipr,
    }
