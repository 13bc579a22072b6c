"""COMMIT a PostgreSQL transaction and do one more thing before waiting for the reply.

The notification delivery needs its database COMMIT and the SMTP end-of-data mark to
leave the worker as close together as possible, so that no kill can fall between
"the database says handed over" and "the mail server will accept it". A plain
``COMMIT`` waits for PostgreSQL to flush its log (2–4 ms here) before returning; a
worker killed in that wait has committed but never sent the mark. Here the COMMIT is
written to PostgreSQL's socket, the end-of-data mark straight after it, and only then
is the COMMIT's reply read. Once its bytes are in the socket, PostgreSQL commits even if
the worker dies: the server reads and runs a complete message before it sees the
connection close. What remains between the two is two consecutive socket writes.

Only the outermost transaction of a psycopg 3 connection can be committed like this.
Anywhere else (SQLite in development, or a savepoint inside a test's transaction)
:func:`commit_then` does nothing and returns False: the caller's
``transaction.atomic`` block commits as usual when it ends, and the caller runs the
action after it.
"""

import select
from collections.abc import Callable

from django.db import DatabaseError, connection


class CommitFailed(DatabaseError):
    """PostgreSQL refused the COMMIT that was sent before the action ran."""


def commit_can_pipeline() -> bool:
    """Return True when the current atomic block is outermost on a psycopg 3 connection."""
    if connection.vendor != "postgresql" or len(connection.atomic_blocks) != 1:
        return False
    if getattr(connection.atomic_blocks[0], "_from_testcase", False):
        return False
    return hasattr(connection.connection, "pgconn")


def commit_then(action: Callable[[], None]) -> bool:
    """Send COMMIT, run ``action`` at once, then wait for the COMMIT's result.

    Call it as the last statement inside the outermost ``transaction.atomic`` block;
    that block's own commit then finds nothing left to commit. Return False, without
    running ``action``, where the COMMIT cannot be sent here (see the module
    docstring): the caller runs it after the block. If ``action``
    raises, its error is raised after the COMMIT's result is read. Raise
    :class:`CommitFailed` when PostgreSQL refused the COMMIT.
    """
    if not commit_can_pipeline():
        return False
    from psycopg import pq

    pgconn = connection.connection.pgconn
    pgconn.send_query(b"COMMIT")
    while pgconn.flush():  # non-zero while bytes are still waiting to be written
        select.select([], [pgconn.socket], [])
    action_error = None
    try:
        action()
    except Exception as error:  # noqa: BLE001 - re-raised once the COMMIT is settled
        action_error = error
    results = []
    while True:
        while pgconn.is_busy():
            select.select([pgconn.socket], [], [])
            pgconn.consume_input()
        result = pgconn.get_result()
        if result is None:
            break
        results.append(result)
    if not results or results[-1].status != pq.ExecStatus.COMMAND_OK:
        message = results[-1].error_message.decode(errors="replace") if results else ""
        raise CommitFailed(f"COMMIT failed: {message or 'no result'}") from action_error
    if action_error is not None:
        raise action_error
    return True
