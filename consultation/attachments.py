"""Checks on a file attached to a reply, made before it is stored.

A file is recognised by its content, never by its name or by the Content-Type the browser
sent: the name's extension must be allowed and must agree with what the content is. The
original name is kept only to be shown; storage uses a name of its own (see
`models.attachment_upload_to`).

Error codes, one `ValidationError` per refusal:

- ``bad_name``: a name with folders, control or invisible characters, empty, or too long.
- ``bad_extension``: the extension is not one of `ALLOWED_EXTENSIONS`.
- ``empty``, ``too_large``: no content, or more than the limit.
- ``type_mismatch``: the content is a supported kind, but not the one the extension names.
- ``unsupported_type``: the content is none of the supported kinds (programs included).
- ``bad_archive``: a DOCX or ODT that is not a sound ZIP (damaged, unsafe member names,
  duplicate members, a compression method other than stored or deflated).
- ``archive_too_large``: a ZIP that would expand too far (a "zip bomb").
- ``encrypted``: a password-protected DOCX or ODT.

Pure: no database and no models, so forms, services and the admin can all call it.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO, NoReturn, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ALLOWED_EXTENSIONS = (".pdf", ".docx", ".odt", ".doc", ".txt")
ACCEPT_ATTRIBUTE = ",".join(ALLOWED_EXTENSIONS)

MAX_NAME_LENGTH = 200
MAX_ARCHIVE_MEMBERS = 2000
MAX_ARCHIVE_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# Small members compress far better than 100:1 (an empty XML part, a run of spaces); the
# ratio only matters once a member is big enough to hurt.
COMPRESSION_RATIO_FROM_BYTES = 1024 * 1024

_CHUNK_BYTES = 64 * 1024
_HEAD_BYTES = 16

_PDF_MAGIC = b"%PDF-"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_EXECUTABLE_MAGICS = (
    b"MZ",  # Windows PE and DOS
    b"\x7fELF",
    b"#!",  # scripts
    b"\xfe\xed\xfa\xce",  # Mach-O 32-bit, big-endian
    b"\xfe\xed\xfa\xcf",  # Mach-O 64-bit, big-endian
    b"\xce\xfa\xed\xfe",  # Mach-O 32-bit, little-endian
    b"\xcf\xfa\xed\xfe",  # Mach-O 64-bit, little-endian
    b"\xca\xfe\xba\xbe",  # Mach-O universal (and Java class files)
)

_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# The main part of a .docx; a macro-enabled .docm or a .dotx template declares another.
_DOCX_MAIN_PART_TYPE = (
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
)
_MAX_CONTENT_TYPES_BYTES = 1024 * 1024
# zipfile holds the whole central directory, and an object per entry, in memory before we
# can count the entries; 2,000 honest entries take well under this.
_MAX_CENTRAL_DIRECTORY_BYTES = 1024 * 1024

_EOCD = struct.Struct("<4s4H2LH")
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"

# Control characters a text reply may contain: tab, line feed, carriage return, form feed.
_FORBIDDEN_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# Refused in a name: controls (Cc), formatting such as bidirectional overrides (Cf), line
# and paragraph separators, and lone surrogates. ZWNJ and ZWJ are Cf but are ordinary
# spelling in Persian and other scripts, and reorder nothing.
_FORBIDDEN_NAME_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_ALLOWED_FORMAT_CHARACTERS = frozenset({"\u200c", "\u200d"})
_DRIVE_PREFIX = re.compile(r"^[A-Za-z]:")
_PATH_SEPARATORS = re.compile(r"[/\\]")


@dataclass(frozen=True)
class ValidatedUpload:
    """What the content turned out to be; the caller stores it with these values."""

    kind: str  # "pdf" | "docx" | "odt" | "doc" | "txt"
    content_type: str  # canonical MIME type, used when serving the download
    extension: str  # canonical extension, e.g. ".pdf"
    size: int
    sha256: str  # hex digest of the whole content
    display_name: str  # the cleaned original name, to show only; never a path


@dataclass(frozen=True)
class _Kind:
    extension: str
    content_type: str
    label: Promise


_KINDS = {
    "pdf": _Kind(".pdf", "application/pdf", _("PDF")),
    "docx": _Kind(
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _("Word (.docx)"),
    ),
    "odt": _Kind(".odt", "application/vnd.oasis.opendocument.text", _("OpenDocument text")),
    "doc": _Kind(".doc", "application/msword", _("Word 97-2003 (.doc)")),
    "txt": _Kind(".txt", "text/plain; charset=utf-8", _("plain text")),
}
_UTF16_TEXT_CONTENT_TYPE = "text/plain; charset=utf-16"


def validate_upload(
    uploaded: UploadedFile[bytes], *, max_bytes: int | None = None
) -> ValidatedUpload:
    """Check an uploaded attachment and describe it.

    Reads the content once, in chunks, hashing as it goes, and leaves the file at position 0
    for the caller to save. `max_bytes` defaults to `settings.ATTACHMENT_MAX_BYTES`.

    A PDF must start with ``%PDF-``; ``%%EOF`` is not required, since readers open truncated
    and incrementally saved files, and it proves nothing about safety. A .doc is recognised
    by the OLE2 signature alone, so an .xls renamed .doc passes (it is served as a download,
    never opened on the server). The browser's Content-Type is ignored.

    Raises ValidationError with one of the codes listed in the module docstring.
    """
    limit = settings.ATTACHMENT_MAX_BYTES if max_bytes is None else max_bytes
    display_name = clean_display_name(uploaded.name)
    extension = _extension_of(display_name)
    if extension not in ALLOWED_EXTENSIONS:
        _refuse_extension(extension)
    if uploaded.size == 0:
        _refuse_empty()
    if uploaded.size is not None and uploaded.size > limit:
        _refuse_too_large(limit)

    try:
        size, sha256, head, charset = _scan(uploaded, limit)
        if size == 0:
            _refuse_empty()
        kind = _detect_kind(uploaded, size=size, head=head, text_charset=charset)
    finally:
        uploaded.seek(0)

    expected = _KINDS[kind]
    if extension != expected.extension:
        raise ValidationError(
            _(
                "The file name ends in %(extension)s, but the file is a %(detected)s document. "
                "Rename it to end in %(expected)s, or upload the intended file."
            ),
            code="type_mismatch",
            params={
                "extension": extension,
                "detected": expected.label,
                "expected": expected.extension,
            },
        )
    content_type = expected.content_type
    if kind == "txt" and charset == "utf-16":
        content_type = _UTF16_TEXT_CONTENT_TYPE
    return ValidatedUpload(
        kind=kind,
        content_type=content_type,
        extension=expected.extension,
        size=size,
        sha256=sha256,
        display_name=display_name,
    )


def clean_display_name(name: str | None) -> str:
    """Return the name to show for an upload: NFC-normalised and stripped.

    Django's `UploadedFile` already drops everything up to the last "/" of the name the
    browser sent; this refuses what remains unsafe to show or to mistake for a path.

    Raises ValidationError (code "bad_name").
    """
    name = unicodedata.normalize("NFC", name or "")
    if any(
        unicodedata.category(char) in _FORBIDDEN_NAME_CATEGORIES
        and char not in _ALLOWED_FORMAT_CHARACTERS
        for char in name
    ):
        raise ValidationError(
            _("The file name contains control or invisible characters. Rename the file."),
            code="bad_name",
        )
    name = name.strip()
    if not name:
        raise ValidationError(_("The file has no name."), code="bad_name")
    if name.startswith("..") or name == "." or _PATH_SEPARATORS.search(name):
        raise ValidationError(
            _("The file name must be a plain name, without folders. Rename the file."),
            code="bad_name",
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            _("The file name is longer than %(max)d characters. Rename the file."),
            code="bad_name",
            params={"max": MAX_NAME_LENGTH},
        )
    return name


def _extension_of(name: str) -> str:
    _stem, dot, suffix = name.rpartition(".")
    return f".{suffix.lower()}" if dot else ""


def _scan(uploaded: UploadedFile[bytes], limit: int) -> tuple[int, str, bytes, str | None]:
    """Read the content once: its size, SHA-256, first bytes, and text encoding if any."""
    hasher = hashlib.sha256()
    size = 0
    head = b""
    text = _TextCheck()
    for chunk in uploaded.chunks(_CHUNK_BYTES):
        size += len(chunk)
        # The declared size may be wrong; count what actually arrives.
        if size > limit:
            _refuse_too_large(limit)
        hasher.update(chunk)
        if len(head) < _HEAD_BYTES:
            head += chunk[: _HEAD_BYTES - len(head)]
        text.feed(chunk)
    text.feed(b"", final=True)
    return size, hasher.hexdigest(), head, text.charset


class _TextCheck:
    """Decide, incrementally, whether bytes are acceptable text.

    UTF-8 (with or without a BOM) or UTF-16 with a BOM, with no control characters other
    than tab, line feed, carriage return and form feed. Stops looking at the first bad byte.
    """

    def __init__(self) -> None:
        self._start = b""
        self._decoder: codecs.IncrementalDecoder | None = None
        self._encoding = "utf-8"
        self._ok = True

    @property
    def charset(self) -> str | None:
        """ "utf-8" or "utf-16" if everything fed so far was acceptable text, else None."""
        return self._encoding if self._ok else None

    def feed(self, data: bytes, *, final: bool = False) -> None:
        if not self._ok:
            return
        if self._decoder is None:
            # The UTF-16 BOM is two bytes; the UTF-8 one is left to the utf-8-sig codec.
            self._start += data
            if len(self._start) < 2 and not final:
                return
            if self._start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                self._encoding = "utf-16"
            codec = "utf-16" if self._encoding == "utf-16" else "utf-8-sig"
            self._decoder = codecs.getincrementaldecoder(codec)("strict")
            data, self._start = self._start, b""
        view = memoryview(data)
        try:
            # An in-memory upload arrives as one chunk; decode it a piece at a time so a
            # large file never exists as one large string.
            for offset in range(0, len(view), _CHUNK_BYTES):
                piece = view[offset : offset + _CHUNK_BYTES]
                if _FORBIDDEN_IN_TEXT.search(self._decoder.decode(piece)):
                    self._ok = False
                    return
            if final and _FORBIDDEN_IN_TEXT.search(self._decoder.decode(b"", True)):
                self._ok = False
        except UnicodeDecodeError:
            self._ok = False


def _detect_kind(
    uploaded: UploadedFile[bytes], *, size: int, head: bytes, text_charset: str | None
) -> str:
    if head.startswith(_EXECUTABLE_MAGICS):
        raise ValidationError(
            _("Programs and scripts cannot be attached."), code="unsupported_type"
        )
    if head.startswith(_PDF_MAGIC):
        return "pdf"
    if head.startswith(_OLE2_MAGIC):
        return "doc"
    if head.startswith(_ZIP_MAGIC):
        return _zip_kind(cast(IO[bytes], uploaded), size=size)
    if text_charset is not None:
        return "txt"
    _refuse_unsupported()


def _zip_kind(fileobj: IO[bytes], *, size: int) -> str:
    """Tell a DOCX from an ODT, refusing any other ZIP and any ZIP that is unsafe to open."""
    entries, directory_bytes = _zip_directory_extent(fileobj, size=size)
    if entries > MAX_ARCHIVE_MEMBERS or directory_bytes > _MAX_CENTRAL_DIRECTORY_BYTES:
        _refuse_archive_too_large()
    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
            _check_members(members)
            names = {member.filename for member in members}
            if "mimetype" in names:
                if _read_member(archive, "mimetype", len(_ODT_MIMETYPE)) == _ODT_MIMETYPE:
                    return "odt"
                _refuse_unsupported()
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                content_types = _read_member(
                    archive, "[Content_Types].xml", _MAX_CONTENT_TYPES_BYTES
                )
                if len(content_types) > _MAX_CONTENT_TYPES_BYTES:
                    _refuse_archive_too_large()
                if _DOCX_MAIN_PART_TYPE in content_types:
                    return "docx"
            _refuse_unsupported()
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise _bad_archive() from exc


def _zip_directory_extent(fileobj: IO[bytes], *, size: int) -> tuple[int, int]:
    """Return (entries, central directory bytes) from the end record, as zipfile finds it.

    Read before zipfile parses the directory, because zipfile builds every entry first.
    """
    tail_bytes = min(size, _EOCD.size + 0xFFFF)
    fileobj.seek(size - tail_bytes)
    tail = fileobj.read(tail_bytes)
    # zipfile looks for a record without a comment first, then for the last signature.
    at = len(tail) - _EOCD.size
    if at < 0 or not (tail.startswith(_EOCD_SIGNATURE, at) and tail.endswith(b"\0\0")):
        at = tail.rfind(_EOCD_SIGNATURE)
    if at < 0 or at + _EOCD.size > len(tail):
        raise _bad_archive()
    _sig, _disk, _cd_disk, _disk_entries, entries, directory_bytes, _offset, _comment = (
        _EOCD.unpack_from(tail, at)
    )
    locator_at = at - _ZIP64_LOCATOR.size
    if locator_at >= 0 and tail.startswith(_ZIP64_LOCATOR_SIGNATURE, locator_at):
        record_at = size - len(tail) + locator_at - _ZIP64_EOCD.size
        if record_at < 0:
            raise _bad_archive()
        fileobj.seek(record_at)
        record = fileobj.read(_ZIP64_EOCD.size)
        if len(record) != _ZIP64_EOCD.size or not record.startswith(_ZIP64_EOCD_SIGNATURE):
            raise _bad_archive()
        fields = _ZIP64_EOCD.unpack(record)
        entries, directory_bytes = fields[7], fields[8]
    return entries, directory_bytes


def _check_members(members: list[zipfile.ZipInfo]) -> None:
    """Refuse a ZIP by what its directory declares, before any member is read."""
    if len(members) > MAX_ARCHIVE_MEMBERS:
        _refuse_archive_too_large()
    names = [member.filename for member in members]
    if len(set(names)) != len(names):
        # Readers disagree on which of two same-named members wins.
        raise _bad_archive()
    total = 0
    for member in members:
        if _is_unsafe_member_name(member.filename):
            raise _bad_archive()
        if member.flag_bits & 0x1:
            raise ValidationError(
                _("The document is password-protected. Remove the password and upload it again."),
                code="encrypted",
            )
        # OOXML and ODF packages use only these two methods.
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _bad_archive()
        total += member.file_size
        if total > MAX_ARCHIVE_UNCOMPRESSED_BYTES:
            _refuse_archive_too_large()
        if member.file_size > COMPRESSION_RATIO_FROM_BYTES and (
            member.compress_size == 0
            or member.file_size > MAX_COMPRESSION_RATIO * member.compress_size
        ):
            _refuse_archive_too_large()


def _is_unsafe_member_name(name: str) -> bool:
    if not name or name.startswith(("/", "\\")) or _DRIVE_PREFIX.match(name):
        return True
    return ".." in _PATH_SEPARATORS.split(name)


def _read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """Read at most limit + 1 bytes of a member, whatever size it declares."""
    with archive.open(name) as member:
        return member.read(limit + 1)


def _bad_archive() -> ValidationError:
    return ValidationError(
        _("The document is damaged or unsafe to open. Save it again and upload the new copy."),
        code="bad_archive",
    )


def _refuse_archive_too_large() -> NoReturn:
    raise ValidationError(
        _(
            "The document would expand to more than %(limit)s, or into more than %(members)d "
            "parts, when opened."
        ),
        code="archive_too_large",
        params={
            "limit": filesizeformat(MAX_ARCHIVE_UNCOMPRESSED_BYTES),
            "members": MAX_ARCHIVE_MEMBERS,
        },
    )


def _refuse_extension(extension: str) -> NoReturn:
    allowed = ", ".join(ALLOWED_EXTENSIONS)
    if not extension:
        raise ValidationError(
            _("The file name has no extension. Accepted: %(allowed)s."),
            code="bad_extension",
            params={"allowed": allowed},
        )
    raise ValidationError(
        _("Files ending in %(extension)s are not accepted. Accepted: %(allowed)s."),
        code="bad_extension",
        params={"extension": extension, "allowed": allowed},
    )


def _refuse_empty() -> NoReturn:
    raise ValidationError(_("The file is empty."), code="empty")


def _refuse_too_large(limit: int) -> NoReturn:
    raise ValidationError(
        _("The file is larger than %(limit)s, the most an attachment may be."),
        code="too_large",
        params={"limit": filesizeformat(limit)},
    )


def _refuse_unsupported() -> NoReturn:
    raise ValidationError(
        _(
            "The file is not a PDF, Word (.docx or .doc), OpenDocument text (.odt) or "
            "plain-text (.txt) document."
        ),
        code="unsupported_type",
    )
