"""validate_upload: what an official may attach to a reply, recognised by content.

Every file is built here, in memory or in a temporary file; no binary fixtures.
"""

from __future__ import annotations

import hashlib
import io
import random
import struct
import warnings
import zipfile
from collections.abc import Callable

import docx
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile, UploadedFile

from consultation.attachments import (
    ACCEPT_ATTRIBUTE,
    ALLOWED_EXTENSIONS,
    ValidatedUpload,
    clean_display_name,
    validate_upload,
)

MiB = 1024 * 1024
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT_TYPE = "application/vnd.oasis.opendocument.text"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# --- builders -------------------------------------------------------------------------------


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("Comments of the Administration of State A on draft Rec. Q.1234.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes], *, mimetype: bytes | None = None) -> bytes:
    """A ZIP in memory; with `mimetype`, an ODF package (that member first, stored)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if mimetype is not None:
            archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def odt_bytes(mimetype: bytes = ODT_TYPE.encode()) -> bytes:
    content = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        b' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        b"<office:body><office:text><text:p>Comments.</text:p></office:text></office:body>"
        b"</office:document-content>"
    )
    manifest = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        b' manifest:version="1.3">'
        b'<manifest:file-entry manifest:full-path="/" manifest:media-type="' + mimetype + b'"/>'
        b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        b"</manifest:manifest>"
    )
    return zip_bytes({"content.xml": content, "META-INF/manifest.xml": manifest}, mimetype=mimetype)


def doc_bytes() -> bytes:
    """An OLE2 compound-file header and padding: all a .doc is recognised by."""
    return OLE2_MAGIC + b"\x00" * (512 - len(OLE2_MAGIC)) + b"\xff" * 1024


def ooxml_bytes(main_part: str, main_type: str, extra: dict[str, bytes] | None = None) -> bytes:
    """A skeleton OOXML package whose main part is `main_part`, of content type `main_type`."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main_part}" ContentType="{main_type}"/></Types>'
    ).encode()
    return zip_bytes({"[Content_Types].xml": content_types, main_part: b"<x/>", **(extra or {})})


def docx_like_with(extra: dict[str, bytes]) -> bytes:
    return ooxml_bytes("word/document.xml", DOCX_TYPE + ".main+xml", extra)


def zeros_member_zip(name: str, size: int) -> bytes:
    """One member of `size` zero bytes, deflated and written in pieces to spare memory."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(name, "w") as member,
    ):
        piece = bytes(MiB)
        for _ in range(size // MiB):
            member.write(piece)
    return buffer.getvalue()


def zip_bomb_declared_200_mib() -> bytes:
    archive = zeros_member_zip("word/document.xml", 200 * MiB)
    assert len(archive) < 1 * MiB
    return archive


def zip_bomb_high_ratio() -> bytes:
    """Under the 100 MiB total, but 50 MiB of zeros compress about 1000:1."""
    return zeros_member_zip("word/media/image1.png", 50 * MiB)


def zip_bomb_many_members() -> bytes:
    return docx_like_with({f"word/part{i}.xml": b"" for i in range(2001)})


def zip_bomb_many_members_forged_count() -> bytes:
    """2,003 members, but the end record claims one: zipfile's own count must be checked."""
    data = bytearray(zip_bomb_many_members())
    at = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, at + 8, 1, 1)
    return bytes(data)


def with_zip64_end_records(data: bytes, *, entries: int | None = None) -> bytes:
    """Rewrite the end of a ZIP as Zip64 writers do: the real counts in the Zip64 record.

    With `entries`, the Zip64 record claims that many members instead.
    """
    at = data.rfind(b"PK\x05\x06")
    _sig, _disk, _cd_disk, _here, total, cd_size, cd_offset, _comment = struct.unpack_from(
        "<4s4H2LH", data, at
    )
    claimed = total if entries is None else entries
    record = struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, claimed, claimed, cd_size, cd_offset
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, at, 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, cd_size, 0xFFFFFFFF, 0)
    return data[:at] + record + locator + end


def with_first_member_encrypted(data: bytes) -> bytes:
    """Set the "encrypted" flag of the first central-directory entry."""
    patched = bytearray(data)
    at = patched.find(b"PK\x01\x02")
    (flags,) = struct.unpack_from("<H", patched, at + 8)
    struct.pack_into("<H", patched, at + 8, flags | 0x1)
    return bytes(patched)


def with_duplicate_member() -> bytes:
    buffer = io.BytesIO(docx_like_with({}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile: "Duplicate name"
        with zipfile.ZipFile(buffer, "a") as archive:
            archive.writestr("word/document.xml", b"<other/>")
    return buffer.getvalue()


def bzip2_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("[Content_Types].xml", DOCX_TYPE + ".main+xml")
        archive.writestr("word/document.xml", b"<x/>")
    return buffer.getvalue()


def upload(
    name: str, content: bytes, content_type: str = "application/octet-stream"
) -> UploadedFile[bytes]:
    return SimpleUploadedFile(name, content, content_type=content_type)


def refusal(uploaded: UploadedFile[bytes], **kwargs: int) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(uploaded, **kwargs)
    error = excinfo.value
    assert error.messages
    assert all(message.strip() for message in error.messages)
    return error


def assert_refused(uploaded: UploadedFile[bytes], code: str, **kwargs: int) -> None:
    assert refusal(uploaded, **kwargs).code == code


# --- acceptances ----------------------------------------------------------------------------

UTF8_TEXT = "Réponse de l'Administration : accord.\n\tTürkiye, 中国, مصر.\r\n\f".encode()


@pytest.mark.parametrize(
    ("name", "build", "kind", "content_type"),
    [
        pytest.param("reply.pdf", pdf_bytes, "pdf", "application/pdf", id="pdf"),
        pytest.param("reply.docx", docx_bytes, "docx", DOCX_TYPE, id="docx-python-docx"),
        pytest.param("reply.odt", odt_bytes, "odt", ODT_TYPE, id="odt"),
        pytest.param("reply.doc", doc_bytes, "doc", "application/msword", id="doc-ole2"),
        pytest.param(
            "reply.txt", lambda: UTF8_TEXT, "txt", "text/plain; charset=utf-8", id="txt-utf8"
        ),
        pytest.param(
            "reply.txt",
            lambda: b"\xef\xbb\xbf" + UTF8_TEXT,
            "txt",
            "text/plain; charset=utf-8",
            id="txt-utf8-bom",
        ),
        pytest.param(
            "reply.txt",
            lambda: UTF8_TEXT.decode().encode("utf-16"),
            "txt",
            "text/plain; charset=utf-16",
            id="txt-utf16-bom",
        ),
        pytest.param(
            "reply.txt",
            lambda: b"\xfe\xff" + UTF8_TEXT.decode().encode("utf-16-be"),
            "txt",
            "text/plain; charset=utf-16",
            id="txt-utf16-be-bom",
        ),
        pytest.param(
            "truncated.pdf",
            lambda: pdf_bytes().removesuffix(b"%%EOF\n"),
            "pdf",
            "application/pdf",
            id="pdf-without-eof-marker",
        ),
    ],
)
def test_accepts_each_supported_kind(
    name: str, build: Callable[[], bytes], kind: str, content_type: str
) -> None:
    content = build()
    uploaded = upload(name, content)

    result = validate_upload(uploaded)

    assert result == ValidatedUpload(
        kind=kind,
        content_type=content_type,
        extension=f".{kind}",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        display_name=name,
    )
    assert uploaded.tell() == 0
    assert uploaded.read() == content


def test_accepts_upper_case_extension_and_keeps_the_name_as_given() -> None:
    result = validate_upload(upload("REPLY.PDF", pdf_bytes()))

    assert result.extension == ".pdf"
    assert result.display_name == "REPLY.PDF"


def test_ignores_the_content_type_the_browser_sent() -> None:
    result = validate_upload(upload("notes.txt", b"plain words\n", content_type="application/pdf"))

    assert result.content_type == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("réponse_Türkiye.pdf", id="french-turkish"),
        pytest.param("رد_الإدارة_المصرية.pdf", id="arabic"),
        pytest.param("中国主管部门的答复.pdf", id="chinese"),
        pytest.param("Ответ администрации.pdf", id="russian-with-space"),
        pytest.param("پاسخ\u200cها.pdf", id="persian-with-zwnj"),
    ],
)
def test_accepts_non_ascii_names(name: str) -> None:
    assert validate_upload(upload(name, pdf_bytes())).display_name == name


def test_normalises_the_name_to_nfc_and_strips_spaces() -> None:
    decomposed = "  re\u0301ponse.pdf "

    assert validate_upload(upload(decomposed, pdf_bytes())).display_name == "r\u00e9ponse.pdf"


def test_accepts_a_name_of_200_characters() -> None:
    name = "a" * 196 + ".pdf"

    assert validate_upload(upload(name, pdf_bytes())).display_name == name


def test_public_constants_describe_the_allowed_files() -> None:
    assert ALLOWED_EXTENSIONS == (".pdf", ".docx", ".odt", ".doc", ".txt")
    assert ACCEPT_ATTRIBUTE == ".pdf,.docx,.odt,.doc,.txt"


# --- size -----------------------------------------------------------------------------------


def test_refuses_an_empty_file() -> None:
    assert_refused(upload("reply.pdf", b""), "empty")


def test_refuses_a_file_over_max_bytes() -> None:
    assert_refused(upload("reply.pdf", pdf_bytes()), "too_large", max_bytes=64)


def test_counts_the_bytes_read_not_the_declared_size() -> None:
    uploaded = upload("reply.pdf", pdf_bytes())
    uploaded.size = 10

    assert_refused(uploaded, "too_large", max_bytes=64)
    assert uploaded.tell() == 0


def temporary_pdf_upload(size: int) -> TemporaryUploadedFile:
    """A PDF-looking file of exactly `size` bytes on disk, as Django stores large uploads."""
    uploaded = TemporaryUploadedFile("big.pdf", "application/pdf", size, None)
    header = pdf_bytes()
    uploaded.write(header)
    remaining = size - len(header)
    while remaining:
        piece = min(remaining, MiB)
        uploaded.write(b" " * piece)
        remaining -= piece
    uploaded.seek(0)
    return uploaded


def sha256_of(uploaded: UploadedFile[bytes]) -> str:
    hasher = hashlib.sha256()
    for chunk in uploaded.chunks():
        hasher.update(chunk)
    uploaded.seek(0)
    return hasher.hexdigest()


def test_accepts_exactly_the_20_mib_limit_from_settings() -> None:
    uploaded = temporary_pdf_upload(20 * MiB)
    try:
        result = validate_upload(uploaded)

        assert result.kind == "pdf"
        assert result.size == 20 * MiB
        assert result.sha256 == sha256_of(uploaded)
        assert uploaded.tell() == 0
    finally:
        uploaded.close()


def test_refuses_one_byte_over_the_20_mib_limit_from_settings() -> None:
    uploaded = temporary_pdf_upload(20 * MiB + 1)
    try:
        assert_refused(uploaded, "too_large")
        # Also when the declared size is wrong and only counting while reading can tell.
        uploaded.size = 1
        assert_refused(uploaded, "too_large")
    finally:
        uploaded.close()


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("../../etc/passwd.pdf", id="dot-dot-slash"),
        pytest.param("..\\evil.pdf", id="dot-dot-backslash"),
        pytest.param("/abs.pdf", id="absolute"),
        pytest.param("C:\\x.pdf", id="windows-drive"),
        pytest.param("sub/dir.pdf", id="folder"),
        pytest.param(".", id="dot"),
        pytest.param("..", id="dot-dot"),
        pytest.param("..hidden.pdf", id="starts-with-dot-dot"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
    ],
)
def test_refuses_names_that_could_be_taken_for_paths(name: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        clean_display_name(name)

    assert excinfo.value.code == "bad_name"
    assert excinfo.value.messages[0]


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("..\\evil.pdf", id="dot-dot-backslash"),
        pytest.param("C:\\x.pdf", id="windows-drive"),
        pytest.param("..hidden.pdf", id="starts-with-dot-dot"),
        pytest.param("   ", id="blank"),
    ],
)
def test_refuses_path_tricks_that_reach_the_upload(name: str) -> None:
    assert_refused(upload(name, pdf_bytes()), "bad_name")


def test_shows_only_the_last_part_of_a_name_with_slashes() -> None:
    # Django's UploadedFile keeps only the basename; what remains is an ordinary name.
    result = validate_upload(upload("../../etc/passwd.pdf", pdf_bytes()))

    assert result.display_name == "passwd.pdf"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("a\x00b.pdf", id="nul"),
        pytest.param("line\nbreak.pdf", id="line-feed"),
        pytest.param("carriage\rreturn.pdf", id="carriage-return"),
        pytest.param("tab\there.pdf", id="tab"),
        pytest.param("rlo\u202efdp.txt", id="right-to-left-override"),
        pytest.param("mark\u200e.pdf", id="left-to-right-mark"),
        pytest.param("bom\ufeff.pdf", id="zero-width-no-break-space"),
        pytest.param("line\u2028separator.pdf", id="line-separator"),
        pytest.param("bell\x07.pdf", id="bell"),
        pytest.param("c1\x85.pdf", id="c1-next-line"),
    ],
)
def test_refuses_control_characters_in_the_name(name: str) -> None:
    assert_refused(upload(name, pdf_bytes()), "bad_name")


def test_refuses_a_name_of_201_characters() -> None:
    assert_refused(upload("a" * 197 + ".pdf", pdf_bytes()), "bad_name")


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("setup.exe", id="exe"),
        pytest.param("reply.zip", id="zip"),
        pytest.param("reply.html", id="html"),
        pytest.param("reply.docm", id="docm"),
        pytest.param("reply.pdf.exe", id="double-extension"),
        pytest.param("reply", id="no-extension"),
        pytest.param("reply.pdf.", id="trailing-dot"),
    ],
)
def test_refuses_extensions_not_allowed(name: str) -> None:
    assert_refused(upload(name, pdf_bytes()), "bad_extension")


# --- content --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("reply.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200), id="exe-as-pdf"),
        pytest.param("reply.txt", b"MZ" + b"A" * 100, id="exe-as-txt"),
        pytest.param("reply.doc", b"\x7fELF\x02\x01\x01" + bytes(100), id="elf-as-doc"),
        pytest.param("reply.txt", b"#!/bin/sh\nrm -rf ~\n", id="shell-script-as-txt"),
        pytest.param("reply.docx", b"\xcf\xfa\xed\xfe" + bytes(100), id="mach-o-as-docx"),
        pytest.param("reply.odt", b"\xca\xfe\xba\xbe" + bytes(100), id="mach-o-universal-as-odt"),
    ],
)
def test_refuses_programs_whatever_their_name(name: str, content: bytes) -> None:
    assert_refused(upload(name, content), "unsupported_type")


@pytest.mark.parametrize(
    ("name", "build"),
    [
        pytest.param("reply.docx", pdf_bytes, id="pdf-named-docx"),
        pytest.param("reply.txt", pdf_bytes, id="pdf-named-txt"),
        pytest.param("reply.pdf", docx_bytes, id="docx-named-pdf"),
        pytest.param("reply.odt", docx_bytes, id="docx-named-odt"),
        pytest.param("reply.docx", odt_bytes, id="odt-named-docx"),
        pytest.param("reply.docx", doc_bytes, id="doc-named-docx"),
        pytest.param("reply.pdf", lambda: b"Just some words.\n", id="txt-named-pdf"),
    ],
)
def test_refuses_content_that_does_not_match_the_extension(
    name: str, build: Callable[[], bytes]
) -> None:
    error = refusal(upload(name, build()))

    assert error.code == "type_mismatch"
    assert name.rpartition(".")[2] in error.messages[0]


@pytest.mark.parametrize(
    ("name", "build"),
    [
        pytest.param(
            "reply.docx", lambda: zip_bytes({"hello.txt": b"hello"}), id="plain-zip-named-docx"
        ),
        pytest.param(
            "reply.docx",
            lambda: ooxml_bytes(
                "xl/workbook.xml",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            ),
            id="xlsx-named-docx",
        ),
        pytest.param(
            "reply.docx",
            lambda: ooxml_bytes(
                "word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"
            ),
            id="docm-named-docx",
        ),
        pytest.param(
            "reply.odt",
            lambda: odt_bytes(b"application/vnd.oasis.opendocument.spreadsheet"),
            id="ods-named-odt",
        ),
        pytest.param(
            "reply.odt", lambda: odt_bytes(ODT_TYPE.encode() + b"\n"), id="odt-mimetype-not-exact"
        ),
        pytest.param("reply.docx", lambda: b"PK\x05\x06" + bytes(18), id="empty-zip-named-docx"),
        pytest.param("reply.pdf", lambda: b"\x89PNG\r\n\x1a\n" + bytes(100), id="png-named-pdf"),
        pytest.param("reply.pdf", lambda: b"\n" + pdf_bytes(), id="pdf-header-not-at-start"),
        pytest.param("reply.txt", lambda: "Réponse\n".encode("latin-1"), id="latin-1-text"),
        pytest.param("reply.txt", lambda: b"nul\x00inside\n", id="text-with-nul"),
        pytest.param("reply.txt", lambda: b"\x1b[31mred\x1b[0m\n", id="text-with-escape"),
        pytest.param("reply.txt", lambda: b"vertical\x0btab\n", id="text-with-vertical-tab"),
        pytest.param("reply.txt", lambda: "no bom".encode("utf-16-le"), id="utf16-without-bom"),
        pytest.param(
            "reply.txt", lambda: "odd".encode("utf-16") + b"\x00", id="utf16-odd-byte-count"
        ),
        pytest.param("reply.txt", lambda: b"\xff\xfe\x00\xd8", id="utf16-lone-surrogate"),
        pytest.param("reply.txt", lambda: b"cut \xe4\xb8", id="utf8-truncated-sequence"),
    ],
)
def test_refuses_content_of_no_supported_kind(name: str, build: Callable[[], bytes]) -> None:
    assert_refused(upload(name, build()), "unsupported_type")


# --- archives -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(zip_bomb_declared_200_mib, id="200-mib-of-zeros"),
        pytest.param(zip_bomb_high_ratio, id="compression-ratio-over-100"),
        pytest.param(zip_bomb_many_members, id="2001-members"),
        pytest.param(zip_bomb_many_members_forged_count, id="2001-members-end-record-forged"),
    ],
)
def test_refuses_zip_bombs(build: Callable[[], bytes]) -> None:
    assert_refused(upload("reply.docx", build()), "archive_too_large")


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: b"PK\x03\x04" + b"\x00" * 200, id="zip-signature-then-junk"),
        pytest.param(lambda: docx_bytes()[:-200], id="truncated-docx"),
        pytest.param(lambda: docx_like_with({"../evil.xml": b"x"}), id="member-dot-dot"),
        pytest.param(lambda: docx_like_with({"word/../../evil.xml": b"x"}), id="member-escapes"),
        pytest.param(lambda: docx_like_with({"/etc/cron.d/x": b"x"}), id="member-absolute"),
        pytest.param(lambda: docx_like_with({"C:/x.xml": b"x"}), id="member-drive"),
        pytest.param(lambda: docx_like_with({"word\\..\\..\\x": b"x"}), id="member-backslashes"),
        pytest.param(with_duplicate_member, id="duplicate-member"),
        pytest.param(bzip2_docx, id="bzip2-compressed"),
    ],
)
def test_refuses_damaged_or_unsafe_archives(build: Callable[[], bytes]) -> None:
    assert_refused(upload("reply.docx", build()), "bad_archive")


@pytest.mark.parametrize(
    ("name", "build"),
    [
        pytest.param("reply.docx", docx_bytes, id="docx"),
        pytest.param("reply.odt", odt_bytes, id="odt"),
    ],
)
def test_refuses_password_protected_archives(name: str, build: Callable[[], bytes]) -> None:
    assert_refused(upload(name, with_first_member_encrypted(build())), "encrypted")


def test_accepts_a_docx_with_zip64_end_records() -> None:
    content = with_zip64_end_records(docx_bytes())

    assert zipfile.ZipFile(io.BytesIO(content)).testzip() is None
    assert validate_upload(upload("reply.docx", content)).kind == "docx"


def test_refuses_a_zip64_end_record_claiming_too_many_members() -> None:
    content = with_zip64_end_records(docx_bytes(), entries=5000)

    assert_refused(upload("reply.docx", content), "archive_too_large")


def test_accepts_a_docx_with_a_large_but_ordinary_member() -> None:
    # 2 MiB of random bytes do not compress: the ratio rule leaves a real picture alone.
    picture = random.Random(0).randbytes(2 * MiB)
    content = docx_like_with({"word/media/image1.png": picture})

    assert validate_upload(upload("reply.docx", content)).kind == "docx"


def test_leaves_the_file_at_the_start_after_a_refusal() -> None:
    uploaded = upload("reply.docx", zip_bytes({"hello.txt": b"hello"}))

    assert_refused(uploaded, "unsupported_type")
    assert uploaded.tell() == 0
