from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.services import RegisterError, member_states_sync


class Command(BaseCommand):
    help = "Create or update the ITU Member States from accounts/data/member_states.csv."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = member_states_sync()
        except RegisterError as exc:
            raise CommandError(f"Member State register: {exc}") from exc
        self.stdout.write(
            f"Member States: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged."
        )
