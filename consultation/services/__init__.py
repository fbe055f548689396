"""Every write of the consultation app. Views, admin, tasks and commands call these."""

from consultation.services.circulars import TransitionError, circular_close, circular_publish
from consultation.services.replies import (
    AttachmentUpload,
    ReplyConflictError,
    ReplyRefused,
    reply_content,
    reply_content_hash,
    reply_record_offline,
    reply_save_draft,
    reply_submit,
    reply_validate_for_submission,
)

__all__ = [
    "AttachmentUpload",
    "ReplyConflictError",
    "ReplyRefused",
    "TransitionError",
    "circular_close",
    "circular_publish",
    "reply_content",
    "reply_content_hash",
    "reply_record_offline",
    "reply_save_draft",
    "reply_submit",
    "reply_validate_for_submission",
]
