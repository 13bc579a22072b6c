"""Who did it: every change in the history names its actor.

A person acting through a page or the API is recorded by django-simple-history's request
middleware. Everything else names itself here: a service called with ``user`` (the
``audited`` decorator), a Celery task ("system: <task name>", set for every task) and an
importer ("import: <file name>", the ``acting`` context). One receiver of simple-history's
pre-create signal writes the actor onto each historical row, so no model or service has to
remember to.
"""

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_actor: ContextVar[tuple[Any, str]] = ContextVar("audit_actor", default=(None, ""))


def current() -> tuple[Any, str]:
    """Return (user or None, label) for the code running now."""
    return _actor.get()


@contextmanager
def acting(*, user=None, label: str = "") -> Iterator[None]:
    """Attribute every change made inside the block to `user` and/or `label`.

    An inner block keeps what it does not set from the outer one: a task that calls a
    service with the manager who asked is recorded as both.
    """
    outer_user, outer_label = _actor.get()
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    token = _actor.set((user or outer_user, label or outer_label))
    try:
        yield
    finally:
        _actor.reset(token)


def audited(service: Callable) -> Callable:
    """Decorate a service so the `user` it is called with is recorded on its history rows."""

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        with acting(user=kwargs.get("user")):
            return service(*args, **kwargs)

    return wrapper


def _history_attribute(sender, instance, history_instance, **kwargs) -> None:
    user, label = _actor.get()
    if history_instance.history_user_id is None and user is not None:
        history_instance.history_user = user
    if label:
        reason = history_instance.history_change_reason or ""
        if not reason.startswith(label):
            history_instance.history_change_reason = f"{label} – {reason}" if reason else label


_task_tokens: dict[str, Any] = {}


def _task_started(task_id=None, task=None, **kwargs) -> None:
    _task_tokens[task_id] = _actor.set((_actor.get()[0], f"system: {task.name}"))


def _task_finished(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        # A token set in another context (a worker thread) has nothing to undo here.
        with contextlib.suppress(ValueError):
            _actor.reset(token)


def connect() -> None:
    """Connect the receivers (from CoreConfig.ready)."""
    from celery.signals import task_postrun, task_prerun
    from simple_history.signals import pre_create_historical_record

    pre_create_historical_record.connect(_history_attribute, dispatch_uid="core.audit.history")
    task_prerun.connect(_task_started, dispatch_uid="core.audit.task_started", weak=False)
    task_postrun.connect(_task_finished, dispatch_uid="core.audit.task_finished", weak=False)
