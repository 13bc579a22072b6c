"""Infrastructure tasks."""

from celery import shared_task


@shared_task(name="peersupport.ping")
def ping() -> str:
    """Return "pong": proves a worker is consuming from the broker (health check, CI)."""
    return "pong"
