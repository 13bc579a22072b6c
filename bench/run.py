"""The benchmark: synthetic data at scale 1 and 10, pages, API lists, stocktake and matching.

Run with ``make bench`` (or ``.venv/bin/python bench/run.py``). In one process and one run,
for each scale it copies a freshly migrated database, builds the synthetic programme, then
measures every main page and every API list endpoint in-process with Django's test Client:
the query count (CaptureQueriesContext), and the median and p95 server time over repeated
requests after a warm-up, next to a trivial view measured in the same run (the floor).
It also times the stocktake for the last full financial year, suggestions for one
engagement, and the allocation of 100 engagements with the greedy baseline beside it.
It writes bench/results.json and bench/results.md. It reports; it never fails on a target.

Database: BENCH_DATABASE_URL when set; else PostgreSQL at DATABASE_URL's server (or
postgres://postgres@127.0.0.1:5432) in a database of its own, psm_bench, when reachable;
else SQLite under var/. Knobs: BENCH_SCALES (default "1,10"), BENCH_REPEAT (30),
BENCH_WARMUP (3), BENCH_SEED (1), BENCH_YEARS (3).
"""

import http.client
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "bench"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/psm_bench"
BENCH_DB = "psm_bench"
TEMPLATE_DB = "psm_bench_template"

SCALES = [float(s) for s in os.environ.get("BENCH_SCALES", "1,10").split(",")]
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))
SEED = int(os.environ.get("BENCH_SEED", "1"))
YEARS = int(os.environ.get("BENCH_YEARS", "3"))
THROUGHPUT_SECONDS = float(os.environ.get("BENCH_THROUGHPUT_SECONDS", "10"))
THROUGHPUT_CONCURRENCY = int(os.environ.get("BENCH_THROUGHPUT_CONCURRENCY", "4"))
THROUGHPUT_MAX_REQUESTS = 3000
TARGETS = {"page_p95_ms": 150, "stocktake_s": 2, "suggestions_ms": 200, "allocation_s": 10}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- choosing and preparing the database (before Django is set up) ---------------------------


def _postgres_reachable(url: str) -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    parts = urlsplit(url)
    try:
        psycopg.connect(_maintenance_dsn(url), connect_timeout=3).close()
    except psycopg.Error:
        return False
    return bool(parts.hostname)


def _maintenance_dsn(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def choose_database() -> tuple[str, str]:
    """Return (url, why) for the benchmark's own database."""
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"], "BENCH_DATABASE_URL"
    candidates = []
    current = os.environ.get("DATABASE_URL", "")
    if current.startswith(("postgres://", "postgresql://")):
        candidates.append(urlunsplit(urlsplit(current)._replace(path="/" + BENCH_DB)))
    candidates.append(DEFAULT_POSTGRES)
    for url in candidates:
        if _postgres_reachable(url):
            return url, "PostgreSQL reachable"
    return f"sqlite:///{BASE_DIR / 'var' / 'bench.sqlite3'}", "PostgreSQL not reachable"


def _pg_admin(url: str, *statements: str) -> None:
    import psycopg

    connection = psycopg.connect(_maintenance_dsn(url), autocommit=True)
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        connection.close()


# --- measuring ---------------------------------------------------------------------------------


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def measure_get(client, url: str, *, repeat: int = REPEAT, before=None) -> dict:
    """Warm up, count queries once, then time `repeat` requests (ms)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    status = None
    for _ in range(WARMUP):
        if before:
            before()
        status = client.get(url).status_code
    if before:
        before()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    queries = len(captured.captured_queries)  # now: the log is reset by the next request
    status = response.status_code
    size = len(response.content)
    times, cpu = [], []
    for _ in range(repeat):
        if before:
            before()
        started, cpu_started = time.perf_counter(), time.process_time()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return {
        "url": url,
        "status": status,
        "bytes": size,
        "queries": queries,
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(_percentile(times, 0.95), 2),
        # This process's CPU time (not the database's): steadier when the machine is busy.
        "cpu_median_ms": round(statistics.median(cpu), 2),
        "requests": repeat,
    }


def timed(function, *, runs: int = 3):
    """(median seconds, last result) of `runs` calls."""
    seconds, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


# --- one scale ---------------------------------------------------------------------------------


def subjects(today: date) -> dict:
    """The users and records each page is measured with (chosen the same way at every scale)."""
    from django.db.models import Count, Q

    from accounts.models import User
    from accounts.roles import Role
    from peers.models import Peer, PeerKind, PeerStatus
    from programmes.models import HOLDING_STATUSES, Engagement, EngagementStatus

    manager = User.objects.filter(groups__name=Role.MANAGER).order_by("email").first()
    board = User.objects.filter(groups__name=Role.BOARD).order_by("email").first()
    busiest_council = (
        Engagement.objects.values("councils").annotate(n=Count("id")).order_by("-n").first()
    )
    contact = User.objects.filter(council_id=busiest_council["councils"]).order_by("email").first()
    peer = (
        Peer.objects.filter(kind=PeerKind.MEMBER, status=PeerStatus.ACTIVE)
        .annotate(n=Count("places", filter=Q(places__status__in=HOLDING_STATUSES)))
        .order_by("-n", "pk")
        .first()
    )
    detail = (
        Engagement.objects.filter(offer__code="CPC", status=EngagementStatus.CLOSED)
        .annotate(n=Count("places"))
        .order_by("-n", "pk")
        .first()
    )
    suggest = (
        Engagement.objects.filter(
            offer__code="CPC", status=EngagementStatus.SCHEDULED, start_date__gt=today
        )
        .order_by("start_date", "pk")
        .first()
    )
    return {
        "manager": manager,
        "board": board,
        "contact": contact,
        "peer_user": peer.user,
        "detail": detail,
        "suggest": suggest,
    }


def api_list_urls() -> list[tuple[str, str]]:
    """Every list endpoint the API router registers under /api/v1/ (whatever exists today)."""
    try:
        from api import urls as api_urls
    except Exception as error:  # noqa: BLE001 - the API may be mid-build; report, don't fail
        log(f"API not measured: {error}")
        return []
    router = getattr(api_urls, "router", None)
    if router is None:
        return []
    return [(f"API /api/v1/{prefix}/", f"/api/v1/{prefix}/") for prefix, _, _ in router.registry]


def pages(s: dict) -> list[tuple[str, str, str]]:
    """(name, role, url) for every page measured."""
    return [
        ("Manager dashboard", "manager", "/manage/"),
        ("Engagement list", "manager", "/manage/engagements/"),
        ("Engagement detail", "manager", f"/manage/engagements/{s['detail'].pk}/"),
        ("Suggestions page", "manager", f"/manage/engagements/{s['suggest'].pk}/suggest/"),
        ("Admin: engagements", "manager", "/admin/programmes/engagement/"),
        ("Admin: peers", "manager", "/admin/peers/peer/"),
        ("Board dashboard", "board", "/board/"),
        ("Council portal list", "contact", "/council/"),
        ("Peer profile", "peer_user", "/peer/profile/"),
    ]


def run_scale(scale: float, today: date, *, last: bool = False) -> dict:
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from programmes.synthetic import synthetic_build

    log(f"scale {scale:g}: building the synthetic programme")
    counts = synthetic_build(scale=scale, years=YEARS, seed=SEED, today=today)
    seed_seconds = counts.pop("seconds")
    log(f"scale {scale:g}: built in {seed_seconds:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum would do after a bulk load
    s = subjects(today)
    clients = {}
    for role in ("manager", "board", "contact", "peer_user"):
        client = Client()
        client.force_login(s[role])
        clients[role] = client

    result = {"scale": scale, "seed_seconds": seed_seconds, "rows": counts, "pages": []}
    floor = measure_get(clients["manager"], "/bench/floor/", repeat=REPEAT * 3)
    result["floor"] = floor
    log(f"scale {scale:g}: floor median {floor['median_ms']} ms")
    for name, role, url in pages(s) + [(n, "manager", u) for n, u in api_list_urls()]:
        row = {"name": name, "role": role, **measure_get(clients[role], url)}
        result["pages"].append(row)
        log(f"scale {scale:g}: {name}: {row['status']}, {row['queries']} queries, "
            f"median {row['median_ms']} ms, p95 {row['p95_ms']} ms")  # fmt: skip
    cold = {
        "name": "Board dashboard (cache cleared before each request)",
        "role": "board",
        **measure_get(clients["board"], "/board/", repeat=max(5, REPEAT // 3), before=cache.clear),
    }
    result["pages"].append(cold)
    for row in result["pages"]:
        row["ratio_median"] = round(row["median_ms"] / floor["median_ms"], 1)
        row["ratio_p95"] = round(row["p95_ms"] / floor["median_ms"], 1)

    result["stocktake"] = measure_stocktake(today)
    log(f"scale {scale:g}: stocktake {result['stocktake']['median_s']} s")
    result["suggestions"] = measure_suggestions(s["suggest"])
    log(f"scale {scale:g}: suggestions {result['suggestions']['median_ms']} ms")
    result["allocation"] = measure_allocation(today)
    log(f"scale {scale:g}: allocation {result['allocation']}")
    if last and THROUGHPUT_SECONDS > 0:
        session = clients["manager"].cookies[settings.SESSION_COOKIE_NAME].value
        urls = ["/bench/floor/", "/manage/", "/manage/engagements/", "/api/v1/engagements/"]
        result["throughput"] = measure_throughput(session, urls)
    result["subjects"] = {
        "engagement_detail": s["detail"].reference,
        "suggestions_for": s["suggest"].reference,
        "council_contact_council": str(s["contact"].council),
        "peer_user": s["peer_user"].email,
    }
    return result


def measure_stocktake(today: date) -> dict:
    from programmes.periods import financial_year_bounds, financial_year_of
    from reports.stocktake.compute import stocktake_compute

    year = financial_year_of(today) - 1  # the last full financial year
    period_from, period_to = financial_year_bounds(year)
    median, figures = timed(
        lambda: stocktake_compute(period_from=period_from, period_to=period_to), runs=3
    )
    summary = {k: figures[k] for k in ("totals", "council_survey", "survey_counts") if k in figures}
    return {
        "financial_year": f"{year}/{(year + 1) % 100:02d}",
        "median_s": round(median, 3),
        "runs": 3,
        "summary": json.loads(json.dumps(summary, default=str)),
    }


def measure_suggestions(engagement) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from programmes.matching.suggestions import suggestions_for

    with CaptureQueriesContext(connection) as captured:
        suggestions_for(engagement)  # also the warm-up
    queries = len(captured.captured_queries)
    runs = 5
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = suggestions_for(engagement, limit=10)
        times.append((time.perf_counter() - started) * 1000)
    return {
        "engagement": engagement.reference,
        "median_ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
        "runs": runs,
        "queries": queries,
        "roles": len(result.roles),
        "eligible_per_role": {r.role: r.eligible for r in result.roles},
    }


def measure_allocation(today: date) -> dict:
    from django.db.models import Count, Q

    from programmes.matching.allocation import allocate, allocate_greedy, build_instance
    from programmes.models import HOLDING_STATUSES, Engagement, EngagementStatus

    # The 100 upcoming engagements with the fewest held places: the most places to fill.
    open_states = (EngagementStatus.SCOPING, EngagementStatus.SCHEDULED)
    engagements = list(
        Engagement.objects.filter(status__in=open_states, start_date__gt=today)
        .annotate(held=Count("places", filter=Q(places__status__in=HOLDING_STATUSES)))
        .select_related("offer")
        .order_by("held", "start_date", "pk")[:100]
    )
    started = time.perf_counter()
    instance = build_instance(engagements)
    build_s = time.perf_counter() - started
    workers = min(8, os.cpu_count() or 1)
    solved = allocate(instance=instance, workers=workers)
    greedy = allocate_greedy(instance=instance)
    places = sum(slot.need for slot in instance.slots)
    return {
        "engagements": len(engagements),
        "places_to_fill": places,
        "build_s": round(build_s, 2),
        "cp_sat": {
            "seconds": solved.seconds,
            "total_s": round(build_s + solved.seconds, 2),
            "status": solved.status,
            "objective": round(solved.objective, 3),
            "bound": round(solved.stats.get("bound", 0.0), 3),
            "filled": len(solved.assignments),
            "problems": len(solved.problems),
            "workers": workers,
        },
        "greedy": {
            "seconds": greedy.seconds,
            "objective": round(greedy.objective, 3),
            "filled": len(greedy.assignments),
            "problems": len(greedy.problems),
        },
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, url: str, cookie: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", url, headers={"Cookie": cookie, "Host": "127.0.0.1"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def measure_throughput(session: str, urls: list[str]) -> dict:
    """Requests a second under gunicorn on loopback, bounded in time and requests.

    The load generator runs in this process on the same machine, so it takes CPU from
    the server: a floor for what the site can serve, not a capacity plan.
    """
    from django.conf import settings

    port = _free_port()
    workers = os.cpu_count() or 1
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}"
    command = [
        sys.executable, "-m", "gunicorn", "peersupport.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "error",
    ]  # fmt: skip
    server = subprocess.Popen(  # noqa: S603 - a fixed command line, no outside input
        command, cwd=BASE_DIR, env=os.environ.copy(), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    report = {
        "server": f"gunicorn, {workers} sync workers",
        "concurrency": THROUGHPUT_CONCURRENCY,
        "seconds_per_url": THROUGHPUT_SECONDS,
        "max_requests_per_url": THROUGHPUT_MAX_REQUESTS,
        "urls": [],
    }
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(port, "/bench/floor/", cookie) == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                report["error"] = "gunicorn did not start"
                return report
            time.sleep(0.5)
        for url in urls:
            report["urls"].append(_load(port, url, cookie))
            log(f"throughput {url}: {report['urls'][-1]}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    return report


def _load(port: int, url: str, cookie: str) -> dict:
    latencies, statuses = [], []
    lock = threading.Lock()
    stop_at = time.monotonic() + THROUGHPUT_SECONDS

    def worker():
        while time.monotonic() < stop_at:
            with lock:
                if len(latencies) >= THROUGHPUT_MAX_REQUESTS:
                    return
            started = time.perf_counter()
            try:
                status = _get(port, url, cookie)
            except OSError:
                status = 0
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                statuses.append(status)

    _get(port, url, cookie)  # warm the workers
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(THROUGHPUT_CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ok = sum(1 for status in statuses if status == 200)
    return {
        "url": url,
        "requests": len(statuses),
        "errors": len(statuses) - ok,
        "requests_per_second": round(len(statuses) / elapsed, 1),
        "median_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(_percentile(latencies, 0.95), 1) if latencies else None,
    }


# --- the machine and the report --------------------------------------------------------------


def machine(database: dict) -> dict:
    import django

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        **database,
    }


def _load_average() -> list[float] | None:
    """1, 5 and 15-minute load averages: other work on the machine skews the timings."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return "PostgreSQL " + cursor.fetchone()[0]
        cursor.execute("select sqlite_version()")
        return "SQLite " + cursor.fetchone()[0]


def compare(results: dict) -> list[str]:
    """Loud differences: query counts that change with scale, non-200 answers, missed targets."""
    notes = []
    scales = list(results["scales"].values())
    first, last = scales[0], scales[-1]
    by_name = {row["name"]: row for row in first["pages"]}
    for row in last["pages"]:
        small = by_name.get(row["name"])
        if small and small["queries"] != row["queries"]:
            notes.append(
                f"QUERY COUNT CHANGES WITH SCALE: {row['name']} makes {small['queries']} queries "
                f"at scale {first['scale']:g} and {row['queries']} at scale {last['scale']:g}."
            )
    for scale in scales:
        for row in scale["pages"]:
            if row["status"] != 200:
                notes.append(f"{row['name']} answered {row['status']} at scale {scale['scale']:g}.")
    for row in last["pages"]:
        if row["p95_ms"] > TARGETS["page_p95_ms"]:
            notes.append(
                f"Target missed at scale {last['scale']:g}: {row['name']} p95 {row['p95_ms']} ms "
                f"(target under {TARGETS['page_p95_ms']} ms)."
            )
    if last["stocktake"]["median_s"] > TARGETS["stocktake_s"]:
        notes.append(f"Target missed: stocktake {last['stocktake']['median_s']} s.")
    if last["suggestions"]["median_ms"] > TARGETS["suggestions_ms"]:
        notes.append(f"Target missed: suggestions {last['suggestions']['median_ms']} ms.")
    for scale in scales:
        allocation = scale["allocation"]
        if allocation["cp_sat"]["objective"] < allocation["greedy"]["objective"]:
            notes.append(
                f"CP-SAT BELOW THE GREEDY BASELINE at scale {scale['scale']:g}: objective "
                f"{allocation['cp_sat']['objective']} against {allocation['greedy']['objective']} "
                f"({allocation['cp_sat']['status']} after {allocation['cp_sat']['seconds']} s)."
            )
    if last["allocation"]["cp_sat"]["total_s"] > TARGETS["allocation_s"]:
        notes.append(f"Target missed: allocation {last['allocation']['cp_sat']['total_s']} s.")
    return notes


def markdown(results: dict) -> str:
    m = results["machine"]
    scales = list(results["scales"].values())
    labels = [f"{s['scale']:g}" for s in scales]
    lines = [
        "# Benchmark results",
        "",
        f"Measured {results['finished_at']} by `make bench` in {results['total_s']:.0f} s, "
        f"on {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, Python {m['python']}, "
        f"Django {m['django']}, {m['database_version']} ({m['database_reason']}), "
        f"cache {m['cache']}; load average before and after: {m['load_average_before']} and "
        f"{m['load_average_after']} (other work on the machine skews the timings). "
        f"Server time in-process (Django test Client), median and p95 of "
        f"{results['settings']['repeat']} requests after {results['settings']['warmup']} "
        "warm-up requests; the floor is a trivial view through the same "
        "middleware, measured in the same run. Ratios are to the floor's median. CPU ms is the "
        "median CPU time of the benchmark process alone (Python and templates, not the "
        "database), steadier than wall time when other work shares the machine.",
        "",
        "Synthetic data (`manage.py seed_synthetic`, seed "
        f"{results['settings']['seed']}, {results['settings']['years']} financial years): "
        + "; ".join(
            f"scale {s['scale']:g}: {s['rows']['peers']:,} peers, "
            f"{s['rows']['engagements']:,} engagements, {s['rows']['team places']:,} places, "
            f"{s['rows'].get('survey answers', 0):,} survey answers, built in "
            f"{s['seed_seconds']:.0f} s"
            for s in scales
        )
        + ".",
        "",
    ]
    notes = results["notes"]
    if notes:
        lines += ["## Needs attention", ""] + [f"- **{note}**" for note in notes] + [""]
    else:
        lines += ["Query counts are equal at every scale; every target is met.", ""]
    header = "| page | queries " + " / ".join(labels) + " | "
    header += " | ".join(f"median / p95 ms at {label}" for label in labels)
    header += f" | × floor at {labels[-1]} (median / p95) | CPU ms at {labels[-1]} |"
    lines += ["## Pages and API lists", "", header, "|" + " --- |" * (4 + len(labels))]
    rows = {}
    for scale in scales:
        for row in [dict(scale["floor"], name="Floor: trivial view")] + scale["pages"]:
            rows.setdefault(row["name"], []).append(row)
    for name, per_scale in rows.items():
        counts = " / ".join(str(r["queries"]) for r in per_scale)
        if len({r["queries"] for r in per_scale}) > 1:
            counts = f"**{counts} (differs)**"
        times = " | ".join(f"{r['median_ms']:.1f} / {r['p95_ms']:.1f}" for r in per_scale)
        last = per_scale[-1]
        ratio = (
            "1" if name.startswith("Floor") else f"{last['ratio_median']:g} / {last['ratio_p95']:g}"
        )
        status = "" if all(r["status"] == 200 for r in per_scale) else " (not 200)"
        lines.append(
            f"| {name}{status} | {counts} | {times} | {ratio} | {last['cpu_median_ms']:.1f} |"
        )
    lines += ["", "## Reports and matching", "", "| measure | " + " | ".join(
        f"scale {label}" for label in labels) + " | target at 10 |", "|" + " --- |" * (
        len(labels) + 2)]  # fmt: skip

    def row(label, values, target):
        lines.append(f"| {label} | " + " | ".join(values) + f" | {target} |")

    row(
        "Stocktake, full year (median of 3)",
        [
            f"{s['stocktake']['median_s']:.2f} s ({s['stocktake']['financial_year']})"
            for s in scales
        ],
        f"under {TARGETS['stocktake_s']} s",
    )
    row(
        "Suggestions for one engagement (median of 5)",
        [f"{s['suggestions']['median_ms']:.0f} ms, {s['suggestions']['queries']} queries"
         for s in scales],
        f"under {TARGETS['suggestions_ms']} ms",
    )  # fmt: skip
    row(
        "Allocation of 100 engagements: load and score",
        [f"{s['allocation']['build_s']:.2f} s" for s in scales],
        "",
    )
    row(
        "Allocation: CP-SAT (solve; load + solve)",
        [
            f"{s['allocation']['cp_sat']['seconds']:.2f} s; "
            f"{s['allocation']['cp_sat']['total_s']:.2f} s, {s['allocation']['cp_sat']['status']}"
            for s in scales
        ],
        f"under {TARGETS['allocation_s']} s",
    )
    row(
        "Allocation: objective CP-SAT / greedy baseline",
        [
            f"{s['allocation']['cp_sat']['objective']:.1f} / "
            f"{s['allocation']['greedy']['objective']:.1f}"
            f" ({_gain(s['allocation']):+.1f}%)"
            for s in scales
        ],
        "CP-SAT at least the baseline",
    )
    row(
        "Allocation: places filled CP-SAT / greedy (of needed)",
        [
            f"{s['allocation']['cp_sat']['filled']} / {s['allocation']['greedy']['filled']} "
            f"(of {s['allocation']['places_to_fill']})"
            for s in scales
        ],
        "",
    )
    throughput = scales[-1].get("throughput")
    if throughput and throughput.get("urls"):
        lines += [
            "",
            f"## Throughput under {throughput['server']} (scale {scales[-1]['scale']:g})",
            "",
            f"{throughput['concurrency']} concurrent clients on loopback for "
            f"{throughput['seconds_per_url']:g} s per URL (at most "
            f"{throughput['max_requests_per_url']} requests); the load generator shares the "
            "machine's cores with the server, so these are floors, not capacity.",
            "",
            "| URL | requests | errors | requests/s | median / p95 ms |",
            "| --- | --- | --- | --- | --- |",
        ]
        for item in throughput["urls"]:
            lines.append(
                f"| {item['url']} | {item['requests']} | {item['errors']} | "
                f"{item['requests_per_second']} | {item['median_ms']} / {item['p95_ms']} |"
            )
    lines += [
        "",
        "Synthetic rows are written with `bulk_create`, so they have no django-simple-history "
        "rows and queue no email; the placements were checked against "
        "`programmes.rules.placement_breaches` (tests/test_synthetic.py). The benchmark "
        "reports; it does not fail. `bench/results.json` holds every figure.",
        "",
    ]
    return "\n".join(lines)


def _gain(allocation: dict) -> float:
    greedy = allocation["greedy"]["objective"]
    if not greedy:
        return 0.0
    return 100 * (allocation["cp_sat"]["objective"] - greedy) / greedy


# --- main --------------------------------------------------------------------------------------


def report_only() -> int:
    """Write results.md again from results.json (after changing the report's layout)."""
    results = json.loads((BENCH_DIR / "results.json").read_text())
    results["notes"] = compare(results)
    (BENCH_DIR / "results.md").write_text(markdown(results))
    return 0


def main() -> int:
    if "--report-only" in sys.argv:
        return report_only()
    started = time.perf_counter()
    load_before = _load_average()
    url, reason = choose_database()
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"  # the site's, plus the floor view
    # Measure as served: no DEBUG (query logging, template debugging) and quiet logs.
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-key-" + "x" * 40)
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    sys.path.insert(0, str(BASE_DIR))
    postgres = url.startswith(("postgres://", "postgresql://"))
    sqlite_path = BASE_DIR / "var" / "bench.sqlite3"
    template_path = BASE_DIR / "var" / "bench-template.sqlite3"
    if postgres:
        _pg_admin(
            url,
            f"DROP DATABASE IF EXISTS {BENCH_DB}",
            f"DROP DATABASE IF EXISTS {TEMPLATE_DB}",
            f"CREATE DATABASE {TEMPLATE_DB}",
        )
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{sqlite_path}"
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        template_path.unlink(missing_ok=True)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    db = connections["default"]
    log(f"database: {url} ({reason})")
    db.settings_dict["NAME"] = TEMPLATE_DB if postgres else str(template_path)
    db.close()
    log("migrating a fresh template database")
    migrate_started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_s = time.perf_counter() - migrate_started
    db.close()

    setup_test_environment()  # lets the test Client run with the real settings
    today = timezone.localdate()
    results = {"started_at": timezone.now().isoformat(timespec="seconds"), "scales": {}}
    for scale in SCALES:
        # A fresh database for every scale: a copy of the migrated template.
        db.close()
        if postgres:
            _pg_admin(
                url,
                f"DROP DATABASE IF EXISTS {BENCH_DB}",
                f"CREATE DATABASE {BENCH_DB} TEMPLATE {TEMPLATE_DB}",
            )
            db.settings_dict["NAME"] = BENCH_DB
        else:
            shutil.copyfile(template_path, sqlite_path)
            db.settings_dict["NAME"] = str(sqlite_path)
        from django.core.cache import cache

        cache.clear()
        results["scales"][f"{scale:g}"] = run_scale(scale, today, last=scale == SCALES[-1])
    results["machine"] = machine(
        {
            "database": "postgresql" if postgres else "sqlite",
            "database_reason": reason,
            "database_version": database_version(),
            "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
            "migrate_s": round(migrate_s, 1),
            "load_average_before": load_before,
            "load_average_after": _load_average(),
        }
    )
    results["settings"] = {
        "repeat": REPEAT,
        "warmup": WARMUP,
        "seed": SEED,
        "years": YEARS,
        "today": today.isoformat(),
        "targets": TARGETS,
    }
    results["notes"] = compare(results)
    results["finished_at"] = timezone.now().isoformat(timespec="seconds")
    results["total_s"] = round(time.perf_counter() - started, 1)
    (BENCH_DIR / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (BENCH_DIR / "results.md").write_text(markdown(results))
    for note in results["notes"]:
        log("NOTE: " + note)
    log(f"wrote bench/results.json and bench/results.md in {results['total_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
