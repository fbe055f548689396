"""Keep what the browser said a file is called, so that a bad name is refused, not hidden.

Django's multipart parser quietly strips folders and unprintable characters from upload
names (`MultiPartParser.sanitize_file_name`). A reply must not accept
"../../etc/passwd.pdf" as "passwd.pdf" or "a<NUL>b.pdf" as "ab.pdf": the official should be
told the name is refused. This parser keeps Django's cleaning (the stored name is made by the
server anyway) but, when cleaning changed the name, puts back a mark that
`consultation.attachments.clean_display_name` refuses with the matching message.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParser
from django.utils.datastructures import ImmutableList

PATH_MARK = "..\\"  # refused as "a plain name, without folders"
CONTROL_MARK = "\x01"  # refused as "control or invisible characters"


class StrictNameMultiPartParser(MultiPartParser):
    def sanitize_file_name(self, file_name: str) -> str | None:
        cleaned = super().sanitize_file_name(file_name)
        if not cleaned:
            return cleaned
        raw = html.unescape(file_name)
        if "/" in raw or "\\" in raw:
            return PATH_MARK + cleaned
        if cleaned != raw:
            return CONTROL_MARK + cleaned
        return cleaned


def _parse_file_upload(request: HttpRequest, META: Any, post_data: Any) -> Any:  # noqa: N803
    # The body of HttpRequest.parse_file_upload, with our parser.
    request.upload_handlers = ImmutableList(
        request.upload_handlers,
        warning="You cannot alter upload handlers after the upload has been processed.",
    )
    parser = StrictNameMultiPartParser(META, post_data, request.upload_handlers, request.encoding)
    return parser.parse()


class StrictUploadNamesMiddleware:
    """Installs the strict parser on each request, before anything reads request.POST."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.parse_file_upload = (  # type: ignore[method-assign]
            lambda META, post_data: _parse_file_upload(request, META, post_data)  # noqa: N803
        )
        return self.get_response(request)
