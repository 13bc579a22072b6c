from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self):
        from django.db.models.signals import post_migrate

        from accounts.roles import roles_sync_after_migrate

        # Infrastructure, not domain logic: permissions exist only after every app migrated,
        # so the handler acts once, on the signal for the last installed app.
        post_migrate.connect(roles_sync_after_migrate)
