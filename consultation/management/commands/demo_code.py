from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consultation.demo import demo_totp_secret


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo account (DEBUG only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, email: str, **options: Any) -> None:
        import time

        from allauth.mfa import app_settings
        from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

        if not settings.DEBUG or not email.endswith("@example.org"):
            raise CommandError("Only for the demo accounts (@example.org) with DEBUG on.")
        counter = int(time.time()) // app_settings.TOTP_PERIOD
        self.stdout.write(format_hotp_value(hotp_value(demo_totp_secret(email), counter)))
