import pytest


@pytest.fixture(autouse=True)
def _email_backend(settings):
    """Tests never send real email: Django's locmem outbox only."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
