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
        # The audit trail (accounts.audit).
        from allauth.mfa.signals import authentication_failed
        from django.contrib.admin.models import LogEntry
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.db.models.signals import post_save

        from accounts import audit

        user_logged_in.connect(audit.on_logged_in, dispatch_uid="accounts.audit.login")
        user_logged_out.connect(audit.on_logged_out, dispatch_uid="accounts.audit.logout")
        user_login_failed.connect(audit.on_login_failed, dispatch_uid="accounts.audit.failed")
        authentication_failed.connect(audit.on_mfa_failed, dispatch_uid="accounts.audit.mfa")
        post_save.connect(audit.on_admin_log, sender=LogEntry, dispatch_uid="accounts.audit.log")
