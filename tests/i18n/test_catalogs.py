"""The translation catalogs: complete, checked by msgfmt, and in step with the source."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from tests.i18n.english import CATALOG, LOCALE, catalog

ROOT = LOCALE.parent
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


@pytest.mark.parametrize("language", sorted(CATALOG))
def test_msgfmt_finds_no_untranslated_or_fuzzy_entry(language) -> None:
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt (Debian package gettext) is needed: .ci/run installs it"
    path = LOCALE / CATALOG[language] / "LC_MESSAGES" / "django.po"
    result = subprocess.run(  # noqa: S603 - our own catalog
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    statistics = result.stderr.strip()
    assert re.fullmatch(r"\d+ translated messages\.", statistics), statistics
    assert int(statistics.split()[0]) == len([e for e in catalog(language) if not e.obsolete])


@pytest.mark.parametrize("language", sorted(CATALOG))
def test_every_translation_keeps_the_placeholders_and_plural_forms(language) -> None:
    po = catalog(language)
    forms = int(re.search(r"nplurals=(\d+)", po.metadata["Plural-Forms"]).group(1))
    wrong = []
    for entry in po:
        assert not entry.fuzzy and not entry.obsolete, entry.msgid
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == list(range(forms)), entry.msgid
            # A form may leave the number out (Arabic's "one day"), never add another.
            allowed = set(PLACEHOLDER.findall(entry.msgid_plural))
            wrong += [
                e for e in entry.msgstr_plural.values() if set(PLACEHOLDER.findall(e)) - allowed
            ]
            assert all(entry.msgstr_plural.values()), entry.msgid
        elif sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(PLACEHOLDER.findall(entry.msgstr)):
            wrong.append(entry.msgid)
    assert wrong == []


def test_the_catalogs_hold_every_string_of_the_source(tmp_path) -> None:
    """makemessages on a copy of the source finds no msgid that the catalogs lack."""
    assert shutil.which("xgettext"), "xgettext (Debian package gettext) is needed"
    for name in ("accounts", "consultation", "config", "templates", "manage.py"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete", "-v", "0"],
        cwd=tmp_path,
        env={"DEBUG": "true", "PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path / "var")},
        check=True,
    )
    extracted = polib.pofile(str(tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    ours = {(e.msgctxt, e.msgid) for e in catalog("fr")}
    missing = sorted(e.msgid for e in extracted if (e.msgctxt, e.msgid) not in ours)
    assert missing == [], "run makemessages and translate: " + "; ".join(missing[:20])
    stale = sorted(msgid for _, msgid in ours - {(e.msgctxt, e.msgid) for e in extracted})
    assert stale == [], "strings no longer in the source: " + "; ".join(stale[:20])


def test_the_compiled_catalogs_are_what_django_reads() -> None:
    from django.utils import translation

    for language, folder in CATALOG.items():
        assert (LOCALE / folder / "LC_MESSAGES" / "django.mo").exists(), "make catalogs"
        with translation.override(language):
            assert translation.gettext("Deadline for replies") != "Deadline for replies"


def test_the_catalog_folder_names_are_djangos() -> None:
    assert sorted(p.name for p in Path(LOCALE).iterdir() if p.is_dir()) == sorted(CATALOG.values())
