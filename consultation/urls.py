from django.urls import path

from consultation import documents, printing, views

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
