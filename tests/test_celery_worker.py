"""A real Celery worker process consumes from the local Redis and runs a task."""

import os
import subprocess
import sys
import time

import pytest
import redis
from celery import Celery

REDIS_URL = os.environ.get("CELERY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_available() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def celery_worker_process():
    if not _redis_available():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI at {REDIS_URL}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}; set CELERY_TEST_REDIS_URL")
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {**os.environ, "REDIS_URL": REDIS_URL}
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "peersupport",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.worker
def test_a_real_worker_runs_a_task_to_completion(celery_worker_process):
    client = Celery(broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)
    started = time.monotonic()
    result = client.send_task("peersupport.ping")
    assert result.get(timeout=60) == "pong"
    assert time.monotonic() - started < 60
