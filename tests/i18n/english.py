"""Finding English strings of ours on a page, or in a mail, rendered in another language.

Two nets:
- every msgid of our catalogs (split at its placeholders and tags, fragments of two words or
  more) that the page shows although the language translates it;
- English function words ("the", "your", "of" ...) in the text a reader sees, outside the
  parts marked as English (`lang="en"`: content not yet translated, the selector's "English").
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "locale"
LANGUAGES = ("ar", "zh-hans", "fr", "ru", "es")  # the five besides English
CATALOG = {"ar": "ar", "zh-hans": "zh_Hans", "fr": "fr", "ru": "ru", "es": "es"}

_SPLIT = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{[^}]*\}\}|<[^>]+>|&\w+;|\n")
_ENGLISH_WORD = re.compile(
    r"\b(the|your|you|and|of|with|this|that|is|are|not|has|have|been|will|may|for|from|"
    r"by|at|to|reply|replies|deadline|submit|submitted|draft|log|sign|password|"
    r"left|saved|received)\b",
    re.IGNORECASE,
)
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
_SHOWN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "data-label")
_INLINE = {
    "a",
    "abbr",
    "b",
    "bdi",
    "bdo",
    "code",
    "em",
    "i",
    "label",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "time",
}


class _VisibleText(HTMLParser):
    """The text a reader sees (and hears: labels), minus scripts, styles and parts marked as
    being in another language than the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden from the check)
        self.parts: list[str] = []
        self.page_lang: str | None = None

    @property
    def skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        lang = (values.get("lang") or "").lower()
        if tag == "html":
            self.page_lang = lang
        # Parts in another language than the page's (English fallback content, the
        # selector's language names) are not the page's text.
        other = bool(lang) and tag != "html" and lang != self.page_lang
        skip = tag in ("script", "style", "svg") or other
        if tag not in _INLINE:
            self.parts.append(" ")
        if not (skip or self.skipping):
            self.parts.extend(f" {values[a]} " for a in _SHOWN_ATTRIBUTES if values.get(a))
            if tag in ("input", "button") and values.get("type") in ("submit", "button"):
                self.parts.append(str(values.get("value") or ""))
        if tag not in _VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        if tag not in _INLINE:
            self.parts.append(" ")
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


@functools.cache
def catalog(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / CATALOG[language] / "LC_MESSAGES" / "django.po"))


@functools.cache
def english_fragments(language: str) -> tuple[str, ...]:
    """Fragments of our msgids that a page in `language` must not show."""
    po = catalog(language)
    translated = " ".join(
        " ".join([e.msgstr, *e.msgstr_plural.values()]) for e in po if not e.obsolete
    )
    fragments = set()
    for entry in po:
        for msgid in (entry.msgid, entry.msgid_plural):
            for part in _SPLIT.split(msgid or ""):
                part = " ".join(part.split()).strip(" .,:;()[]—–-\"'")
                if len(part.split()) >= 2 and len(part) >= 8 and part not in translated:
                    fragments.add(part)
    return tuple(sorted(fragments, key=len, reverse=True))


_ADDRESSES = re.compile(r"https?://\S+|\S+@\S+")


def english_found(text: str, language: str, *, content: tuple[str, ...] = ()) -> list[str]:
    """What of our English shows in `text` (already visible text, or a plain-text mail).

    Links, addresses and `content` (texts that TSB or officials wrote, which may be English
    until translated) are not ours: they are taken out first.
    """
    text = _ADDRESSES.sub(" ", text)
    for piece in sorted(content, key=len, reverse=True):
        text = text.replace(piece, " ")
    text = " ".join(text.split())
    found = [fragment for fragment in english_fragments(language) if fragment in text]
    found += [
        f"word {m.group(0)!r} in …{text[max(0, m.start() - 40) : m.end() + 40]}…"
        for m in _ENGLISH_WORD.finditer(text)
    ]
    return found
