from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and Member States")

    def ready(self) -> None:
        from allauth.mfa.signals import authenticator_added, authenticator_removed

        from accounts import receivers

        authenticator_added.connect(
            receivers.on_authenticator_added, dispatch_uid="accounts.authenticator_added"
        )
        authenticator_removed.connect(
            receivers.on_authenticator_removed, dispatch_uid="accounts.authenticator_removed"
        )
