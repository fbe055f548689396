"""bench/rush.py's URLconf: the portal's URLs (config.urls) plus a bare view, the baseline.

The bare view renders a trivial template through the same template engine (context processors
included) and the same middleware as every portal page: session (saved on every request),
CSRF, authentication, the two-factor and session checks, allauth's session tracking, audit.
It answers GET and POST alike (POST passes the CSRF check like the reply form's)."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path
from django.views.decorators.http import require_http_methods

_TEMPLATE = engines["django"].from_string(
    '<!doctype html><html lang="{{ LANGUAGE_CODE }}"><head><meta charset="utf-8">'
    "<title>Bare</title></head><body><main><h1>Bare page</h1>"
    "<p>{{ user.email }}</p>"
    '<form method="post">{% csrf_token %}<button type="submit">Go</button></form>'
    "</main></body></html>"
)


@require_http_methods(["GET", "POST"])
def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_TEMPLATE.render({}, request))


urlpatterns = [
    path("bench/bare/", bare, name="bench-bare"),
    path("", include("config.urls")),
]
