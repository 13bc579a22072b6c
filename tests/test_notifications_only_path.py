"""Nothing in the product sends email except through the notification ledger (issue #9).

A static scan of the project's Python source, the settings that would make Django send
email by itself, and the suite-wide outbox guard in tests/conftest.py.
"""

import ast
import logging
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils.log import AdminEmailHandler

from notifications.services import notification_queue
from tests.conftest import outbox_messages_outside_ledger
from tests.factories import CouncilContactFactory

ROOT = Path(settings.BASE_DIR)
SKIPPED_DIRECTORIES = {"tests", "migrations", "node_modules", "notifications", "static"}
SENDING_CALLS = {
    "send_mail",
    "send_mass_mail",
    "mail_admins",
    "mail_managers",
    "EmailMessage",
    "EmailMultiAlternatives",
    "send_messages",
    "get_connection",
}


def _project_sources() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.py")
        if not any(
            part.startswith(".") or part in SKIPPED_DIRECTORIES
            for part in path.relative_to(ROOT).parts[:-1]
        )
    ]


def _sending_uses(source: str) -> list[tuple[int, str]]:
    """Return (line, name) for each call of a sending function and each django.core.mail import.

    Calls, not text: a method merely *named* ``send_mail`` (the password reset form's
    override that queues through the ledger) is not a way to send.
    """
    uses = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            function = node.func
            name = getattr(function, "id", None) or getattr(function, "attr", None)
            if name in SENDING_CALLS:
                uses.append((node.lineno, f"{name}("))
        elif isinstance(node, ast.ImportFrom) and (
            (node.module or "").startswith("django.core.mail")
            or (node.module == "django.core" and "mail" in {alias.name for alias in node.names})
        ):
            uses.append((node.lineno, f"from {node.module} import"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("django.core.mail"):
                    uses.append((node.lineno, f"import {alias.name}"))
    return sorted(uses)


def test_the_scan_finds_sending_calls_and_ignores_a_method_named_send_mail():
    source = (
        "from django.core import mail\n"
        "class Form:\n"
        "    def send_mail(self, context):\n"
        "        queue(context)\n"
        "mail.send_mail('s', 'b', None, ['a@example.org'])\n"
        "EmailMultiAlternatives(subject='s').send()\n"
        "connection.send_messages([message])\n"
    )

    assert [line for line, _ in _sending_uses(source)] == [1, 5, 6, 7]


def test_the_scan_covers_the_apps():
    scanned = {path.relative_to(ROOT).parts[0] for path in _project_sources()}

    assert {"accounts", "peers", "programmes", "surveys", "councils", "peersupport"} <= scanned
    assert not {".venv", "tests", "notifications"} & scanned


def test_only_the_notifications_app_sends_email():
    offenders = [
        f"{path.relative_to(ROOT)}:{line} {name}"
        for path in _project_sources()
        for line, name in _sending_uses(path.read_text(encoding="utf-8"))
    ]

    assert offenders == [], (
        "Email must go through notifications.services.notification_queue: " + ", ".join(offenders)
    )


def test_django_sends_no_error_or_broken_link_email_by_itself():
    handlers = settings.LOGGING.get("handlers", {})

    assert "mail_admins" not in handlers
    assert not [
        name
        for name, handler in handlers.items()
        if "AdminEmailHandler" in handler.get("class", "")
    ]
    assert "django.middleware.common.BrokenLinkEmailsMiddleware" not in settings.MIDDLEWARE
    # Django's own default logging has a mail_admins handler: with no ADMINS it sends nothing.
    live_handlers = [
        handler
        for name in ("", "django", "django.request", "django.security")
        for handler in logging.getLogger(name).handlers
        if isinstance(handler, AdminEmailHandler)
    ]
    assert not settings.ADMINS or not live_handlers
    assert not settings.MANAGERS


# The suite-wide guard (tests/conftest.py) ------------------------------------------------


@pytest.mark.django_db
@pytest.mark.email_outside_ledger
def test_the_guard_spots_a_message_sent_without_the_ledger(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification_queue(
            kind="notice",
            recipient="someone@example.org",
            key="notice:guard:someone@example.org",
            context={"subject": "Through the ledger", "body": "Hello"},
        )
    mail.EmailMessage("Raw", "Sent directly", to=["someone@example.org"]).send()

    assert [message.subject for message in mail.outbox] == ["Through the ledger", "Raw"]
    assert [message.subject for message in outbox_messages_outside_ledger(mail.outbox)] == ["Raw"]


@pytest.mark.django_db
def test_a_password_reset_passes_the_guard(client, django_capture_on_commit_callbacks):
    CouncilContactFactory(email="officer@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "officer@example.org"})

    assert len(mail.outbox) == 1
    assert outbox_messages_outside_ledger(mail.outbox) == []
