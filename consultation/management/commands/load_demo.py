from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from consultation.demo import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Load the Member States, Circular 205 and the demo circular and accounts (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load demo accounts even though DEBUG is off (never on a real deployment).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "Refusing to create demo accounts with DEBUG off. "
                "Use --allow-production only on a demonstration server."
            )
        call_command("load_member_states", stdout=self.stdout)
        logins = demo_load()
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.role:<48} {login.email}")
        self.stdout.write(
            "TSB staff and signatories use two-factor authentication. For the code of a demo\n"
            "account, run:  .venv/bin/python manage.py demo_code <e-mail>\n"
            "(or add its secret to an authenticator app: manage.py demo_code prints codes only)."
        )
