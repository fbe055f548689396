"""Documents TSB produces from a consultation: the TD of comments for the study group meeting
(WTSA Resolution 1, 9.4.7), as DOCX and as PDF.

- comments_td: the content, once, in the active language (cover table, tallies, texts);
- td_docx: the DOCX layout; the PDF's is templates/consultation/td/comments_td.html;
- views: the two downloads, with the same access.
"""

from consultation.documents.comments_td import (
    CommentsTD,
    comments_td_content,
    comments_td_filename,
    cover_rows,
    demo_notice,
)
from consultation.documents.td_docx import DOCX_CONTENT_TYPE, comments_td_build, comments_td_docx
from consultation.documents.views import (
    COMMENTS_TD_TEMPLATE,
    comments_td_download,
    comments_td_pdf,
)

__all__ = [
    "COMMENTS_TD_TEMPLATE",
    "DOCX_CONTENT_TYPE",
    "CommentsTD",
    "comments_td_build",
    "comments_td_content",
    "comments_td_docx",
    "comments_td_download",
    "comments_td_filename",
    "comments_td_pdf",
    "cover_rows",
    "demo_notice",
]
