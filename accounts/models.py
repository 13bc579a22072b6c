from django.contrib.auth.models import AbstractUser, BaseUserManager, Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history import register
from simple_history.models import HistoricalRecords


class UserManager(BaseUserManager):
    """Users sign in by email address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in. Roles are groups (see accounts.roles)."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    council = models.ForeignKey(
        "councils.Council",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
        help_text=_("For council contacts: the one council they act for."),
    )
    political_group = models.CharField(
        max_length=32,
        blank=True,
        help_text=_("For political group office users: the group whose member peers they see."),
    )

    # Every change of access (roles, permissions, superuser and staff status, a password set
    # by someone else) is saved by accounts.services with who did it (history_user) and what
    # changed (history_change_reason, free length: it lists every role and permission).
    history = HistoricalRecords(
        excluded_fields=["password", "last_login"],
        history_change_reason_field=models.TextField(null=True),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        # Peers are listed by name (the admin's peer list, the peer pool pages).
        indexes = [models.Index(fields=["last_name", "first_name"], name="user_name_idx")]
        permissions = [
            (
                "administer_access",
                "Access administrator: can change roles, permissions, staff and superuser "
                "status, and other people's passwords",
            )
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def has_role(self, role: str) -> bool:
        """Return True when the user belongs to the role's group (cached per instance)."""
        if not hasattr(self, "_role_names"):
            self._role_names = set(self.groups.values_list("name", flat=True))
        return role in self._role_names


# Roles are groups: a change to a group's permissions is a grant to all its members, so
# groups keep a history too (accounts.HistoricalGroup), written by accounts.services.
register(
    Group,
    app="accounts",
    history_change_reason_field=models.TextField(null=True),
)
