"""A real worker killed mid-batch still delivers every email exactly once.

Real pieces: a Celery worker process consuming from the local Redis, the PostgreSQL
test database, and an SMTP server on loopback (aiosmtpd) that records the Message-ID
of every message it accepts. The worker is SIGKILLed three times while it sends a batch
of 30, restarted each time, and finally the sweep runs. Every Message-ID must arrive
exactly once. (notifications.services explains the order that makes this hold: the
handover's COMMIT and the end-of-data mark leave the worker in two consecutive writes.)
"""

import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from email import message_from_bytes
from urllib.parse import quote

import pytest
import redis
from aiosmtpd.controller import Controller
from celery import Celery
from django.conf import settings
from django.db import connection

from notifications import services
from notifications.models import Notification, NotificationStatus

# Its own Redis database: tests/test_celery_worker.py flushes database 15 before it runs,
# which would wipe this test's queue whenever two test runs share the machine.
REDIS_URL = os.environ.get("NOTIFICATIONS_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
BATCH = 30
KILL_AFTER = (6, 14, 22)  # messages accepted before each SIGKILL


# Makes the COMMIT that records a handover take 60 ms, as a busy database's might.
SLOW_COMMIT_SQL = """
CREATE FUNCTION crash_test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(0.06); RETURN NULL; END $$;
CREATE CONSTRAINT TRIGGER crash_test_slow_commit AFTER UPDATE ON notifications_notification
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.status = 'sending' AND OLD.status = 'pending')
EXECUTE FUNCTION crash_test_slow_commit();
"""
SLOW_COMMIT_DROP_SQL = """
DROP TRIGGER IF EXISTS crash_test_slow_commit ON notifications_notification;
DROP FUNCTION IF EXISTS crash_test_slow_commit();
"""


class _RecordingHandler:
    """Accepts every message; records its Message-ID as soon as the data is complete.

    The short pause before the 250 reply is a slow mail server: it widens the moment
    after the worker handed a message over and before it could record it as sent.
    """

    def __init__(self):
        self.message_ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.message_ids.append(message_from_bytes(envelope.content)["Message-ID"])
        await asyncio.sleep(0.1)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis_available() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


def _test_database_url() -> str:
    database = settings.DATABASES["default"]
    credentials = quote(database["USER"] or "")
    if database.get("PASSWORD"):
        credentials += ":" + quote(database["PASSWORD"])
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{database['NAME']}"


def _wait_for(condition, timeout: float, what: str, log_path: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            with open(log_path) as log:
                tail = log.read()[-4000:]
            raise AssertionError(f"Timed out waiting for {what}. Worker log:\n{tail}")
        time.sleep(0.01)


@pytest.mark.worker
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("slow_commit", [False, True], ids=["commit", "slow-commit"])
def test_a_killed_worker_still_delivers_every_email_exactly_once(monkeypatch, slow_commit):
    """With ``slow_commit`` each handover's COMMIT takes 60 ms (a deferred trigger sleeps),
    so many kills land while PostgreSQL is committing: the moment a worker that waited for
    its COMMIT before sending the end-of-data mark would lose the message.
    """
    if not _redis_available():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI at {REDIS_URL}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}; set NOTIFICATIONS_TEST_REDIS_URL")
    # A queue of its own: other test runs may share this Redis database and its workers.
    queue = f"notifications-crash-test-{uuid.uuid4().hex[:12]}"
    handler = _RecordingHandler()
    smtp = Controller(handler, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    client = Celery(broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)
    # This process queues through Redis like the web process does (not eagerly).
    monkeypatch.setattr(
        services,
        "_delivery_enqueue",
        lambda notification_id: client.send_task(
            "notifications.deliver", args=[notification_id], queue=queue
        ),
    )
    log = tempfile.NamedTemporaryFile(prefix="worker-", suffix=".log", delete=False)  # noqa: SIM115
    environment = {
        **os.environ,
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": _test_database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "DJANGO_ENV": "development",
    }

    def start_worker() -> subprocess.Popen:
        return subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "peersupport",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--queues={queue}",
            ],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    seed = int(os.environ.get("CRASH_TEST_SEED", "20250602"))
    rng = random.Random(seed)  # noqa: S311 - reproducible kill moments
    worker = None
    if slow_commit:
        with connection.cursor() as cursor:
            cursor.execute(SLOW_COMMIT_SQL)
    try:
        expected = {
            services.notification_queue(
                kind="notice",
                recipient=f"peer{n}@example.org",
                key=f"crash-test:{n}:peer{n}@example.org",
                context={"subject": f"Message {n}", "body": "Hello"},
            ).message_id
            for n in range(BATCH)
        }
        worker = start_worker()
        for kill_after in KILL_AFTER:
            _wait_for(
                lambda k=kill_after: len(handler.message_ids) >= k,
                300,
                f"{kill_after} messages",
                log.name,
            )
            time.sleep(rng.uniform(0, 0.15))  # land anywhere: claiming, sending, recording
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=20)
            worker = start_worker()

        # The solo worker runs tasks in order: once a ping returns, the batch has been tried.
        assert client.send_task("peersupport.ping", queue=queue).get(timeout=300) == "pong"
        stranded = Notification.objects.filter(status=NotificationStatus.PENDING).count()
        handed_over_unrecorded = Notification.objects.filter(
            status=NotificationStatus.SENDING
        ).count()
        sweep = client.send_task(
            "notifications.sweep", kwargs={"handover_timeout_seconds": 0}, queue=queue
        )
        counts = sweep.get(timeout=300)

        received = Counter(handler.message_ids)
        duplicates = {message_id: n for message_id, n in received.items() if n > 1}
        statuses = Counter(Notification.objects.values_list("status", flat=True))
        not_confirmed = {
            n.message_id
            for n in Notification.objects.filter(last_error__startswith=services.NOT_CONFIRMED)
        }
        lost = expected - set(received)
        if lost:
            with open(log.name) as worker_log:
                print(worker_log.read()[-4000:])  # noqa: T201 - why, when it fails
        print(  # noqa: T201 - the figures the issue asks for, visible with -s
            f"\ncrash test (seed {seed}, slow commit {slow_commit}): {BATCH} queued, "
            f"{len(KILL_AFTER)} SIGKILLs, "
            f"{len(received)} distinct delivered, {sum(received.values())} deliveries, "
            f"{len(duplicates)} duplicates, {len(lost)} lost; after the "
            f"kills {stranded} pending (rolled back) and {handed_over_unrecorded} handed over "
            f"but unrecorded; sweep {counts}; final statuses {dict(statuses)}"
        )
        # Exactly once: no Message-ID twice, none missing, nothing the batch did not queue,
        # and the ledger says sent for every row (unconfirmed ones were delivered too).
        assert duplicates == {}
        assert lost == set(), f"lost {len(lost)}, of which {len(lost & not_confirmed)} unconfirmed"
        assert set(received) == expected
        assert statuses == {NotificationStatus.SENT: BATCH}
    finally:
        if worker is not None and worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        smtp.stop()
        if slow_commit:
            with connection.cursor() as cursor:
                cursor.execute(SLOW_COMMIT_DROP_SQL)
        redis.Redis.from_url(REDIS_URL).delete(queue)
        log.close()
        os.unlink(log.name)
