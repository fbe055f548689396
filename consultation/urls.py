from django.urls import path

from consultation import approval_views, documents, printing, views

app_name = "consultation"

urlpatterns = [
    path("circulars/<int:pk>/", views.circular_detail, name="circular-detail"),
    path("circulars/<int:pk>/annex2.pdf", printing.annex2_pdf, name="annex2-pdf"),
    path("circulars/<int:pk>/reply/", views.reply_edit, name="reply-edit"),
    path("circulars/<int:pk>/reply/review/", views.reply_review, name="reply-review"),
    path(
        "circulars/<int:pk>/reply/versions/<int:number>/",
        views.reply_receipt,
        name="reply-receipt",
    ),
    path(
        "circulars/<int:pk>/reply/versions/<int:number>/receipt.pdf",
        printing.reply_receipt_pdf,
        name="reply-receipt-pdf",
    ),
    path(
        "circulars/<int:pk>/drafts/<int:draft_pk>/opposition/",
        approval_views.opposition,
        name="opposition",
    ),
    path(
        "circulars/<int:pk>/drafts/<int:draft_pk>/opposition/receipt/",
        approval_views.opposition_receipt,
        name="opposition-receipt",
    ),
    path("tsb/drafts/<int:pk>/", approval_views.draft_life, name="draft-life"),
    path("tsb/drafts/<int:pk>/notice/", approval_views.notice_generate, name="notice-generate"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("tsb/circulars/<int:pk>/results/", views.circular_results, name="circular-results"),
    path(
        "tsb/circulars/<int:pk>/results.json",
        views.circular_results_json,
        name="circular-results-json",
    ),
    path("tsb/circulars/<int:pk>/comments-td/", documents.comments_td_download, name="comments-td"),
    path(
        "tsb/circulars/<int:pk>/comments-td.pdf",
        documents.comments_td_pdf,
        name="comments-td-pdf",
    ),
]
