"""The public pages (no login), included by config/urls.py under "public/"."""

from django.urls import path

from consultation import public

app_name = "public"

urlpatterns = [
    path("circulars/", public.circular_list, name="circular-list"),
    path("circulars/<int:pk>/", public.circular_detail, name="circular-detail"),
    path("drafts/<int:pk>/", public.draft_life, name="draft-life"),
    path("deadlines.ics", public.deadlines_ics, name="deadlines-ics"),
]
