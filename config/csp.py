"""Content-Security-Policy: django-csp's middleware, with a relaxed variant for the admin.

The portal's own pages get settings.CONTENT_SECURITY_POLICY as it is: scripts from our origin
only, no inline script. Pages of the Django admin (the "admin" URL namespace, which includes
django-import-export's and our own admin views) get the same policy with
settings.CSP_ADMIN_DIRECTIVES replacing some directives: the hash of import-export's one inline
event handler and inline styles. A response that already carries a Content-Security-Policy
(e.g. the sandboxed attachment download) keeps its own.
"""

from __future__ import annotations

from typing import Any

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase


def is_admin_request(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and "admin" in match.namespaces


class PortalCSPMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        admin: dict[str, Any] = getattr(settings, "CSP_ADMIN_DIRECTIVES", {})
        if not report_only and admin and is_admin_request(request):
            parts.replace = {**admin, **(parts.replace or {})}
        return parts
