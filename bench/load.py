"""Runner of the mixed load (bench/locustfile.py) against gunicorn on loopback, on the generated database.

Run (``make bench-deps`` first: locust lives in its own virtualenv, var/bench-venv, never in CI's)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua_bench REDIS_URL=redis://127.0.0.1:6379/7 \\
        .venv/bin/python bench/load.py [--users 40] [--minutes 5]

It prepares what the simulated users need (citizens with API tokens, officers of the busiest desk with a known
password, 2,000 real dossier codes with their applicants' last four phone digits, desk/procedure pairs that accept
postal intake now) in a JSON file, starts gunicorn as in the Procfile (2 workers × 4 threads) on a free loopback
port, and runs ``locust --headless`` for ``--minutes`` with ``--users`` users spawned at 5/s. All the users come
from 127.0.0.1, so the per-IP throttle of public tracking (TRACKING_RATE, 30/min for one citizen) is lifted for
the server under test; nothing else is changed. Reported: requests/s, failures, p50/p95/p99 per request kind and
overall (from locust's CSV), and the RSS of each gunicorn worker at the end. The dossiers the run created are
deleted afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_throughput import (  # noqa: E402
    API_PREFIX,
    bench_citizens,
    children,
    cleanup,
    declarations,
    intake_pairs,
    rss_mb,
    setup_django,
    start_gunicorn,
    stop,
)

OFFICER_PREFIX = "bench.officer"
OFFICER_PASSWORD = "bench-officer-2026"  # a local benchmark account


def locust_binary():
    for candidate in (os.environ.get("LOCUST"), ROOT / "var/bench-venv/bin/locust", shutil.which("locust")):
        if candidate and Path(candidate).exists():
            return str(candidate)
    raise SystemExit("locust not found: run `make bench-deps` (or set LOCUST=/path/to/locust)")


def prepare(users):
    """The JSON the locustfile reads."""
    from django.db import connection
    from django.db.models import Count

    from dossiers.models import Dossier
    from dossiers.queues import RUNNING
    from portal.models import Procedure, Province, Role, User

    desk_id = (
        Dossier.objects.filter(status__in=RUNNING)
        .values("desk_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["desk_id"]
    )
    officers = []
    for n in range(max(2, users // 5)):
        user, _ = User.objects.get_or_create(
            username=f"{OFFICER_PREFIX}{n}", defaults={"role": Role.OFFICER, "desk_id": desk_id, "full_name": "Cán bộ"}
        )
        user.role, user.desk_id, user.is_active = Role.OFFICER, desk_id, True
        user.set_password(OFFICER_PASSWORD)
        user.save()
        officers.append((user.username, OFFICER_PASSWORD))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, right(applicant_phone, 4) FROM dossiers_dossier "
            "WHERE id IN (SELECT (random() * (SELECT max(id) FROM dossiers_dossier))::bigint "
            "FROM generate_series(1, 2000))"
        )
        tracking = cursor.fetchall()
    return {
        "tokens": bench_citizens(max(2, users // 4)),
        "officers": officers,
        "provinces": list(Province.objects.values_list("code", flat=True)),
        "procedures": [
            (p.code, p.province.code) for p in Procedure.objects.filter(active=True).select_related("province")
        ],
        "tracking": tracking,
        "pairs": intake_pairs(),
        "desk_id": desk_id,
        # A procedure with a declaration form (issue 16) is created with the demo declaration, as bench_throughput
        # does: without it every submission is refused (400, the form's required fields).
        "forms": declarations(),
    }


def read_stats(prefix):
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    locust = locust_binary()
    setup_django()

    from django.db import connection

    data = prepare(args.users)
    workdir = Path(tempfile.mkdtemp(prefix="motcua-load-"))
    data_path = workdir / "data.json"
    data_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    connection.close()

    server, port = start_gunicorn(args.workers, args.threads, extra_env={"TRACKING_RATE": "1000000/min"})
    try:
        seconds = int(args.minutes * 60)
        command = [
            locust,
            "-f",
            str(ROOT / "bench/locustfile.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            "5",
            "--run-time",
            f"{seconds}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(workdir / "load"),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ]
        env = {**os.environ, "MOTCUA_LOAD_DATA": str(data_path)}
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        workers = children(server.pid)
        memory = [rss_mb(pid) for pid in workers]
    finally:
        stop(server)
    if not (workdir / "load_stats.csv").exists():
        print(result.stdout[-3000:], result.stderr[-3000:])
        raise SystemExit("locust wrote no statistics")
    rows = read_stats(workdir / "load")
    connection.connect()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM dossiers_dossier")
        total = cursor.fetchone()[0]

    print(f"{os.cpu_count()} CPUs (shared machine); {total:,} dossiers in the database; desk {data['desk_id']} queue")
    print(
        f"locust {args.users} users (Visitor 6 : Citizen 2 : Officer 2), {seconds} s; gunicorn {args.workers} workers"
        f" × {args.threads} threads on loopback\n"
    )
    print("load average at the end (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    header = f"{'request':<48} {'count':>7} {'fail':>5} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>7}"
    print(header)
    print("-" * len(header))
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "ALL"
        label = f"{row['Type']} {name}" if name != "ALL" else "ALL"
        print(
            f"{label[:48]:<48} {int(row['Request Count']):>7} {int(row['Failure Count']):>5} "
            f"{float(row['Requests/s']):>7.2f} {row['50%']:>6} {row['95%']:>6} {row['99%']:>6} "
            f"{float(row['Max Response Time']):>7.0f}"
        )
    failures = workdir / "load_failures.csv"
    if failures.exists():
        lines = failures.read_text(encoding="utf-8").strip().splitlines()[1:]
        for line in lines[:10]:
            print("failure:", line[:300])
    print("\nlatencies in ms; gunicorn workers' RSS at the end: " + ", ".join(f"{mb:.0f} MiB" for mb in memory))
    if not args.keep:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT code FROM dossiers_dossier WHERE owner_id IN "
                "(SELECT id FROM portal_user WHERE username LIKE %s)",
                [f"{API_PREFIX}%"],
            )
            codes = [r[0] for r in cursor.fetchall()]
        print(f"removed the {cleanup(codes):,} dossiers the run created")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
