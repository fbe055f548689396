import datetime, json
import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from tests import factories
from tests.accounts.helpers import give_totp, totp_code, PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

@pytest.mark.parametrize("language", ["en", "ar"])
def test_explore(new_page, member_states, language):
    user = factories.UserFactory(email="tsb@itu.example", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["consultation", "accounts"]))
    secret = give_totp(user)
    meeting = factories.MeetingFactory()
    page = new_page(language)
    page.goto(page.base + "/accounts/login/")
    open(f"/tmp/explore/login-{language}.html", "w").write(page.content())
    page.fill("[name=login]", user.email)
    page.fill("[name=password]", PASSWORD)
    page.locator("form [type=submit]").last.click()
    page.wait_for_url("**/2fa/**")
    print(page.url)
    open(f"/tmp/explore/mfa-{language}.html", "w").write(page.content())
    page.fill("[name=code]", totp_code(secret))
    page.locator("form[action$=\"/2fa/authenticate/\"] button[type=submit]:not([form])").click()
    page.wait_for_load_state()
    print(page.url)
    page.goto(page.base + "/admin/consultation/circular/add/")
    open(f"/tmp/explore/add-{language}.html", "w").write(page.content())
    page.screenshot(path=f"/tmp/explore/add-{language}.png", full_page=True)
    info = page.evaluate("""() => [...document.querySelectorAll('input,select,textarea')].map(e => [e.name, e.type, e.offsetParent !== null, e.value.slice(0,40)])""")
    for row in info: print(row)
    page.goto(page.base + "/admin/consultation/reply/export/")
    open(f"/tmp/explore/export-{language}.html", "w").write(page.content())
