"""A mail backend that delivers into the database (DeliveredMail), for the demo and tests.

`make run` uses it so that TSB can read, in the admin, the mails the portal sent without an
SMTP server; the integration tests use it to count deliveries across processes. Writing in
the caller's transaction makes a delivery commit or roll back together with the
notification it belongs to. Production uses SMTP (EMAIL_BACKEND).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class DatabaseEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from consultation.models import DeliveredMail

        rows = []
        for message in email_messages:
            html = ""
            for content, mimetype in getattr(message, "alternatives", []):
                if mimetype == "text/html":
                    html = str(content)
            headers: dict[str, Any] = message.extra_headers
            rows.append(
                DeliveredMail(
                    message_id=str(headers.get("Message-ID", "")),
                    notification_key=str(headers.get("X-Portal-Notification", "")),
                    from_email=str(message.from_email),
                    to=", ".join(message.recipients()),
                    subject=str(message.subject),
                    body=str(message.body),
                    html=html,
                )
            )
        DeliveredMail.objects.bulk_create(rows)
        return len(rows)
