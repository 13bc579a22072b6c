"""The benchmark's pages make the same number of queries on a small and a larger programme.

The same pages, users and records as bench/run.py (one list, imported from there), on two
synthetic programmes of different sizes. Each page's own tests assert its count with
factories; this one asserts flatness on varied, realistic data (teams of every size,
panels of several councils, survey answers, peers with long histories).
"""

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.run import api_list_urls, pages, subjects
from programmes.synthetic import synthetic_build

pytestmark = pytest.mark.django_db

SMALL, LARGE = 0.05, 0.3  # 50 and 300 peers; about 100 and 300 engagements


def _counts(scale: float) -> dict[str, tuple[int, int]]:
    """(status, queries) of each page's second request on a programme of this scale."""
    cache.clear()
    today = timezone.localdate()
    synthetic_build(scale=scale, years=2, seed=5, today=today)
    chosen = subjects(today)
    clients = {}
    for role in ("manager", "board", "contact", "peer_user"):
        clients[role] = Client()
        clients[role].force_login(chosen[role])
    measured = {}
    for name, role, url in pages(chosen) + [(n, "manager", u) for n, u in api_list_urls()]:
        clients[role].get(url)  # warm: sessions, content types, the dashboard cache
        with CaptureQueriesContext(connection) as captured:
            response = clients[role].get(url)
        measured[name] = (response.status_code, len(captured.captured_queries))
    return measured


def test_the_benchmark_pages_keep_a_flat_query_count():
    results = []
    for scale in (SMALL, LARGE):
        with transaction.atomic():
            results.append(_counts(scale))
            transaction.set_rollback(True)
    small, large = results
    assert small.keys() == large.keys()
    assert all(status == 200 for status, _ in small.values()), small
    assert {name: queries for name, (_, queries) in small.items()} == {
        name: queries for name, (_, queries) in large.items()
    }
