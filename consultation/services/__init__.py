"""Every write of the consultation app. Views, admin, tasks and commands call these."""

from consultation.services.circulars import TransitionError, circular_close, circular_publish
from consultation.services.replies import (
    REQUIRED_HEADER_FIELDS,
    AttachmentUpload,
    ReplyConflictError,
    ReplyRefused,
    header_message,
    position_messages,
    reply_content,
    reply_content_hash,
    reply_record_offline,
    reply_save_draft,
    reply_submit,
    reply_validate_for_submission,
)

__all__ = [
    "REQUIRED_HEADER_FIELDS",
    "AttachmentUpload",
    "ReplyConflictError",
    "ReplyRefused",
    "TransitionError",
    "circular_close",
    "circular_publish",
    "header_message",
    "position_messages",
    "reply_content",
    "reply_content_hash",
    "reply_record_offline",
    "reply_save_draft",
    "reply_submit",
    "reply_validate_for_submission",
]
