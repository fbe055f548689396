from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path(
        "invitation/<str:uidb36>/<str:key>/",
        views.invitation_accept,
        name="invitation-accept",
    ),
]
