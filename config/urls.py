from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.views import set_language
from consultation import views

admin.site.site_header = _("TSB consultation portal: administration")
admin.site.site_title = _("TSB consultations")
admin.site.index_title = _("Circulars, replies, Member States and officials")
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("consultation.urls")),
    path("public/", include("consultation.public_urls")),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
]
