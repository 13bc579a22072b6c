import pytest


@pytest.fixture(autouse=True)
def _email_backend(settings):
    """Tests never send real email: Django's locmem outbox only."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing strength is Django's concern; tests use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Data migrations seed reference rows (offers, vocabulary, survey templates, role groups,
# beat schedules). A transactional test flushes the database afterwards, and
# serialized_rollback does not always restore them (browser tests run the server in
# another thread), so every transactional test makes sure they are there first.
_SEEDS = [
    ("accounts.migrations.0003_create_role_groups", "create_groups"),
    ("peers.migrations.0002_seed_vocabulary", "seed"),
    ("programmes.migrations.0002_seed_offers", "seed"),
    ("surveys.migrations.0002_seed_templates", "seed"),
    ("notifications.migrations.0002_beat_schedules", "create_schedules"),
]


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    )
    if not transactional:
        return
    import importlib

    from django.apps import apps

    from accounts.roles import roles_sync
    from programmes.models import Offer

    request.getfixturevalue("transactional_db")
    if Offer.objects.exists():
        return
    for module, function in _SEEDS:
        getattr(importlib.import_module(module), function)(apps, None)
    roles_sync()
