"""Where a create + submit pair spends its time, in one process, through the whole WSGI stack.

Run (PostgreSQL, the demo database; nothing else needs to be running)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua_bench REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/profile_pair.py [--pairs 300] [--profile] [--sql]

The same requests as ``bench_throughput.py``'s API phase (a citizen's token, postal intake with an address, so the
post's door-to-door pickup order is created on commit), sent to ``portal.wsgi.application`` in this process with
real commits: the middleware, DRF, the on-commit outbox delivery all run as under gunicorn, without the sockets.
Prints the process CPU (``time.process_time``) per pair, per ``GET /healthz`` and per detail GET, their ratios, and
the PostgreSQL backend's CPU beside it (``BackendCpu``); ``--sql`` lists the statements of one pair, ``--profile``
the top of a cProfile of the pairs (cumulative and own time). The rows written are deleted afterwards.

This is the quick loop for a change on the dossier path (a few seconds, steady on a quiet machine); the figures that
go into docs/performance.md come from ``bench_throughput.py --floor --baseline``, under gunicorn with concurrent
clients.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_throughput import (  # noqa: E402
    BackendCpu,
    bench_citizens,
    cleanup,
    create_body,
    declarations,
    intake_pairs,
    setup_django,
)


def wsgi_request(app, method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_ACCEPT": "application/json",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Token {token}"
    status = []
    chunks = app(environ, lambda s, h, exc_info=None: status.append(s))
    payload = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return int(status[0].split()[0]), payload


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--floor", type=int, default=1000, help="GET /healthz and detail GET requests")
    parser.add_argument("--profile", action="store_true", help="cProfile the pairs and print the top entries")
    parser.add_argument("--sql", action="store_true", help="list the statements of one pair")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()

    setup_django()  # without the pool (DB_POOL=0) for the set-up; the requests below keep one connection open
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal.wsgi import application

    settings.DATABASES["default"]["CONN_MAX_AGE"] = None  # as the pool does under gunicorn: no connect per request
    connection.settings_dict["CONN_MAX_AGE"] = None

    token = bench_citizens(1)[0]
    desk, procedure, province = intake_pairs()[0]
    forms = declarations()
    codes = []

    def pair(n):
        body = create_body(procedure, province, desk, n, forms)
        status, payload = wsgi_request(application, "POST", "/api/v1/dossiers/", token, body)
        if status != 201:
            raise SystemExit(f"create: HTTP {status} {payload[:300]!r}")
        code = json.loads(payload)["code"]
        codes.append(code)
        status, payload = wsgi_request(application, "POST", f"/api/v1/dossiers/{code}/submit/", token, {})
        if status != 200:
            raise SystemExit(f"submit: HTTP {status} {payload[:300]!r}")
        return code

    def timed(label, count, call):
        with BackendCpu(settings.DATABASES["default"]["NAME"]) as backend:
            started = time.process_time()
            for n in range(count):
                call(n)
            spent = time.process_time() - started
        own, db = spent * 1000 / count, backend.seconds * 1000 / count
        print(f"{label:<28} {count:>6} × {own:7.2f} ms CPU in-process, {db:6.2f} ms in PostgreSQL")
        return own, db

    try:
        for n in range(20):  # warm: caches filled, modules imported, connections open
            code = pair(n)
            wsgi_request(application, "GET", "/healthz")
            wsgi_request(application, "GET", f"/api/v1/dossiers/{code}/", token)
        detail = f"/api/v1/dossiers/{code}/"

        if args.sql:
            settings.DEBUG = True
            for label, call in (
                ("create + submit", lambda: pair(10_000)),
                ("detail GET", lambda: wsgi_request(application, "GET", detail, token)),
                ("/healthz", lambda: wsgi_request(application, "GET", "/healthz")),
            ):
                with CaptureQueriesContext(connection) as queries:
                    call()
                print(f"-- {label}: {len(queries)} statements")
                for q in queries.captured_queries:
                    print("  ", q["sql"][:220])
            settings.DEBUG = False

        health, _ = timed("GET /healthz", args.floor, lambda n: wsgi_request(application, "GET", "/healthz"))
        det, _ = timed("GET detail", args.floor, lambda n: wsgi_request(application, "GET", detail, token))
        if args.profile:
            profiler = cProfile.Profile(time.process_time)  # CPU, not the wait for the database
            profiler.enable()
        own, _ = timed("create + submit", args.pairs, lambda n: pair(100 + n))
        if args.profile:
            profiler.disable()
        print(f"pair ÷ /healthz = {own / health:.1f} ×, detail ÷ /healthz = {det / health:.1f} ×")
        if args.profile:
            for key in ("cumulative", "tottime"):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(args.top)
                print(out.getvalue())
    finally:
        cleanup(codes)


if __name__ == "__main__":
    main()
