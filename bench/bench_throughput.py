"""Dossier create+submit throughput through the API under gunicorn, against pgbench on the same database.

Run (PostgreSQL only; the generated data of bench/generate.py may be there or not)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua_bench REDIS_URL=redis://127.0.0.1:6379/7 \\
        .venv/bin/python bench/bench_throughput.py [--seconds 20] [--rounds 2] [--clients 8]

One transaction, both sides:

- API: ``POST /api/v1/dossiers/`` (a citizen with a token; postal intake with an address, so the post's
  door-to-door pickup is ordered on commit, as ``postal.receivers`` does for a dossier whose paper is still at the
  citizen's) then ``POST /api/v1/dossiers/{code}/submit/``; a create+submit pair counts as one. gunicorn is started
  as in the Procfile (``--workers 2 --threads 4``, gthread) on a free loopback port; ``--clients`` client threads in
  this process keep one HTTP/1.1 connection each, spread over the three one-stop desks of Đồng Nai.
- pgbench: a custom script of the same two rows, ``BEGIN; INSERT INTO dossiers_dossier … RETURNING id \\gset;
  INSERT INTO dossiers_dossierevent …; END;``, into the real tables (every index of the dossier table is
  maintained), ``-c`` = the API's client count, ``-j 2``.

The phases alternate (pgbench, API, pgbench, API … ``--rounds`` times) so that a neighbour's load on the shared
machine hits both; the ratio is taken on the medians. ``--baseline DIR`` serves another checkout (an earlier
revision, with its own ``.venv``) side by side, its phases interleaved with this one's, to size a change in one run.

Rates on a shared 2-core machine swing by ±20 % between rounds, so the CPU each unit of work costs is printed too,
which swings far less: the machine's busy CPU (``/proc/stat``) over each phase divided by the transactions or the
create+submit pairs done, split into the gunicorn workers (``/proc/<pid>/stat``), the client threads (this process)
and the rest (PostgreSQL, Redis, the kernel); for pgbench, its own process (``RUSAGE_CHILDREN``) and the rest. The
machine's CPU counts whatever else runs (other users' tests), so the "own" CPU is printed beside it: the gunicorn
workers' plus that of the PostgreSQL backends serving the bench's database (``BackendCpu``), per unit and per floor
request, and the ratios to ``/healthz`` in both.

Every row the run wrote (API dossiers, their events, postal orders and notifications, pgbench rows) is deleted
afterwards unless ``--keep``. Also printed: the RSS of each gunicorn worker after the run (``/proc/<pid>/status``)
and the request latencies; with ``--floor``, the CPU of the cheapest requests, the fixed cost of any.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

API_PREFIX = "bench.api"
PGBENCH_PREFIX = "PGB-"


# --- shared helpers (bench_scale.py and load.py use them too) ---------------------------------------------------


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["DB_POOL"] = "0"
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("this benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(workers=2, threads=4, extra_env=None, app="portal.wsgi:application", root=ROOT):
    """gunicorn as in the Procfile, on a free loopback port, serving the checkout at `root` (this one, or another
    revision to compare with in the same run); returns (process, port) once /healthz answers."""
    root = Path(root)
    port = free_port()
    env = {**os.environ, "DB_POOL": os.environ.get("BENCH_DB_POOL", "1"), **(extra_env or {})}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = tempfile.NamedTemporaryFile(prefix="motcua-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [
            str(root / ".venv/bin/gunicorn"),
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--keep-alive",
            "30",
            "--timeout",
            "120",
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited: see {log.name}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                process.log_path = log.name
                return process, port
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise SystemExit(f"gunicorn did not answer /healthz within 60 s: see {log.name}")


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def children(pid):
    """Direct children of a process (gunicorn's workers, celery's pool processes)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(p) for p in text)
    return found


def rss_mb(pid):
    """Resident set size of a process in MiB, from /proc/<pid>/status (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


TICK = os.sysconf("SC_CLK_TCK")


def busy_cpu_seconds():
    """CPU seconds this machine spent busy so far, all cores (/proc/stat: user, nice, system, irq, softirq; not
    idle, iowait or steal): what a phase costs, whoever ran it (PostgreSQL, gunicorn, the client, pgbench)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in fields[:7])
    return (user + nice + system + irq + softirq) / TICK


def finished_children_cpu_seconds():
    """User + system CPU seconds of this process's children that have exited (pgbench, once its phase is over)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu_seconds(pids):
    """User + system CPU seconds of these processes so far (/proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / TICK


class BackendCpu:
    """CPU seconds of the PostgreSQL backends serving one database (`postgres: … <user> <database> …` in their
    process titles), summed over a window: the database's share of a phase without what the machine's other jobs
    (other databases, other users' tests) cost. A thread reads /proc every `interval` seconds and keeps each
    backend's last reading, so a backend that exits within the window (pgbench's, at its end) loses at most one
    interval. The server's shared processes (WAL writer, checkpointer) are left out."""

    def __init__(self, database, user="postgres", interval=0.25):
        self.tag = f" {user} {database} "
        self.interval = interval
        self.start_cpu, self.last = {}, {}
        self.stopping = threading.Event()

    def _backends(self):
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                title = (entry / "cmdline").read_bytes()
                if not title.startswith(b"postgres:") or self.tag.encode() not in title:
                    continue
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / TICK
        return found

    def _poll(self):
        while not self.stopping.wait(self.interval):
            self.last.update(self._backends())

    def __enter__(self):
        self.start_cpu = self._backends()
        self.last = dict(self.start_cpu)
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join()
        self.last.update(self._backends())
        self.seconds = sum(cpu - self.start_cpu.get(pid, 0.0) for pid, cpu in self.last.items())


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * len(sorted_values)) - 1))
    return sorted_values[index]


def bench_citizens(count, prefix=API_PREFIX):
    """Citizen accounts with API tokens (created once, reused)."""
    from rest_framework.authtoken.models import Token

    from portal.models import Role, User

    tokens = []
    for n in range(count):
        user, created = User.objects.get_or_create(
            username=f"{prefix}{n}",
            defaults={"role": Role.CITIZEN, "full_name": f"Công dân đo {n}", "phone": f"0912{n:06d}"},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        tokens.append(Token.objects.get_or_create(user=user)[0].key)
    return tokens


def intake_pairs(channel="postal", province_code="75", free=False):
    """(desk id, procedure code, province code) for each desk of a province, with a procedure that desk serves and
    whose effective policy accepts the channel now (postal intake: door-to-door pickup); `free`: without a fee
    (so that the officer may accept it at once: a fee may have to be paid first)."""
    from django.utils import timezone

    from campaigns.policy import effective_policy
    from dossiers.services import desk_serves
    from portal.models import OneStopDesk, Procedure

    now = timezone.now()
    pairs = []
    for desk in OneStopDesk.objects.filter(province__code=province_code).select_related("agency").order_by("pk"):
        for procedure in Procedure.objects.filter(province=desk.province, active=True, in_person_only=False).order_by(
            "pk"
        ):
            if channel == "postal" and not procedure.postal_intake:
                continue
            if free and procedure.fee:
                continue
            if not desk_serves(desk, procedure):
                continue
            policy = effective_policy(procedure, desk, now)
            if policy.allows_intake(channel) and policy.allows_return("desk"):
                pairs.append((desk.pk, procedure.code, province_code))
                break
    if not pairs:
        raise SystemExit(f"no procedure accepts {channel} intake in province {province_code} now")
    return pairs


class Client:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port, token=None):
        self.port = port
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Token {token}"
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method, path, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers={**self.headers, **(headers or {})})
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: reconnect once (not an error of the request).
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


# --- the API phase -------------------------------------------------------------------------------------------


def officer_tokens(pairs):
    """desk id → the API token of an officer of that desk (for `--accept`)."""
    from rest_framework.authtoken.models import Token

    from portal.models import Role, User

    tokens = {}
    for desk, _procedure, _province in pairs:
        officer = User.objects.filter(role=Role.OFFICER, desk_id=desk, is_active=True).order_by("pk").first()
        if officer is None:
            raise SystemExit(f"--accept: desk {desk} has no officer")
        tokens[desk] = Token.objects.get_or_create(user=officer)[0].key
    return tokens


DECLARATIONS = ROOT / "dossiers" / "fixtures" / "demo_declarations.json"


def declarations():
    """{procedure code: a complete declaration} of the demo forms (issue 16): a procedure with a form is created
    with its declaration, so that the submission passes the validator as a citizen's would. A revision from
    before the forms stores it as free form_data."""
    return json.loads(DECLARATIONS.read_text(encoding="utf-8")) if DECLARATIONS.exists() else {}


def create_body(procedure, province, desk, n, forms):
    """The body of the n-th create of a client: postal intake with an address (the post's door-to-door pickup is
    ordered with the submission), the procedure's demo declaration when it has a form."""
    body = {
        "procedure": procedure,
        "province": province,
        "desk": desk,
        "intake_channel": "postal",
        "return_channel": "desk",
        "applicant": {"full_name": "Nguyễn Văn Đo", "phone": "0912345678"},
        "address": f"Số {n} đường Phạm Văn Thuận, phường Tân Tiến, Biên Hòa",
    }
    if procedure in forms:
        body["form_data"] = forms[procedure]
    return body


def api_phase(port, tokens, pairs, seconds, officers=None):
    """Each client thread loops create → submit (→ accept, as the desk's officer, with `officers`) until time is
    up. Returns (units done, latencies ms, errors, codes)."""
    forms = declarations()
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()
    latencies, errors, codes = [], [], []

    def run(index):
        client = Client(port, tokens[index])
        desk, procedure, province = pairs[index % len(pairs)]
        officer = Client(port, officers[desk]) if officers else None
        mine, n = [], 0
        while time.monotonic() < stop_at:
            n += 1
            body = create_body(procedure, province, desk, n, forms)
            started = time.perf_counter()
            status, payload = client.request("POST", "/api/v1/dossiers/", body)
            middle = time.perf_counter()
            if status != 201:
                with lock:
                    errors.append((status, payload[:200]))
                continue
            code = json.loads(payload)["code"]
            status, payload = client.request("POST", f"/api/v1/dossiers/{code}/submit/", {})
            if status == 200 and officer is not None:
                status, payload = officer.request("POST", f"/api/v1/dossiers/{code}/accept/", {})
            done = time.perf_counter()
            mine.append(((middle - started) * 1000, (done - middle) * 1000, (done - started) * 1000))
            if status != 200:
                with lock:
                    errors.append((status, payload[:200]))
            with lock:
                codes.append(code)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(tokens))]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return len(latencies), elapsed, latencies, errors, codes


def floor_phase(port, token, clients, seconds, workers=(), database=None):
    """The fixed cost of a request through this stack: machine CPU per request of ``GET /healthz`` (gunicorn, the
    middleware, one ``SELECT 1``, three cache calls) and of ``GET /api/v1/dossiers/{code}/`` (token, the dossier
    with its three lists, DossierSerializer). Returns {path: ms}, and {path: (gunicorn ms, database ms)}: the CPU of
    the `workers` and of the backends of `database` per request, which the machine's other jobs do not reach."""
    costs, own = {}, {}
    _status, body = Client(port, token).request("GET", "/api/v1/dossiers/")
    code = json.loads(body)["results"][0]["code"]  # one of this citizen's own
    for path in ("/healthz", f"/api/v1/dossiers/{code}/"):
        stop_at = time.monotonic() + seconds
        counts = []

        def run(path=path, stop_at=stop_at, counts=counts):
            client, n = Client(port, token), 0
            while time.monotonic() < stop_at:
                status, _body = client.request("GET", path)
                n += status == 200
            counts.append(n)

        busy, app = busy_cpu_seconds(), process_cpu_seconds(workers)
        threads = [threading.Thread(target=run) for _ in range(clients)]
        with BackendCpu(database) as db:
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        done = max(1, sum(counts))
        key = path.replace(code, "{code}")
        costs[key] = 1000 * (busy_cpu_seconds() - busy) / done
        own[key] = (1000 * (process_cpu_seconds(workers) - app) / done, 1000 * db.seconds / done)
    return costs, own


# --- the pgbench phase ---------------------------------------------------------------------------------------


def pgbench_script():
    """The two inserts of a create+submit, with the columns the ORM writes (the same row width)."""
    from dossiers.models import Dossier
    from portal.models import OneStopDesk

    desk = OneStopDesk.objects.filter(province__code="75").order_by("pk").first()
    procedure = Dossier._meta.get_field("procedure").related_model.objects.filter(province=desk.province).first()
    return f"""\\set n random(1, 1000000000)
BEGIN;
INSERT INTO dossiers_dossier (code, procedure_id, desk_id, province_id, agency_id, status, intake_channel,
  return_channel, applicant_name, applicant_phone, applicant_email, applicant_national_id, address, address_zone,
  form_data, created_at, updated_at, submitted_at, supplement_requests, snap_processing_unit, snap_policy,
  payment_status, result_file, rating_comment, outcome, timeliness, tracking_token)
VALUES ('{PGBENCH_PREFIX}' || nextval('bench_pgbench_seq'), {procedure.pk}, {desk.pk}, {desk.province_id},
  {procedure.agency_id}, 'submitted', 'postal', 'desk', 'Nguyễn Văn Đo', '0912345678', '', '',
  'Số ' || :n || ' đường Phạm Văn Thuận, phường Tân Tiến, Biên Hòa', 'default', '{{}}', now(), now(), now(), 0, '',
  '{{}}', 'not_required', '', '', '', '', md5(random()::text)) RETURNING id AS dossier_id \\gset
INSERT INTO dossiers_dossierevent (dossier_id, at, action, from_status, to_status, note, data)
VALUES (:dossier_id, now(), 'submit', 'draft', 'submitted', '', '{{}}');
END;
"""


def pgbench_phase(script_path, clients, seconds):
    from django.db import connection

    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    command = [
        shutil.which("pgbench") or "pgbench",
        "-n",
        "-h",
        settings["HOST"] or "127.0.0.1",
        "-p",
        str(settings["PORT"] or 5432),
        "-U",
        settings["USER"] or "postgres",
        "-c",
        str(clients),
        "-j",
        "2",
        "-T",
        str(seconds),
        "-f",
        script_path,
        settings["NAME"],
    ]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    tps = latency = None
    for line in output.splitlines():
        if line.startswith("tps ="):
            tps = float(line.split()[2])
        elif line.startswith("latency average"):
            latency = float(line.split("=")[1].split()[0])
    return tps, latency


def _referencing(cursor, table):
    """(table, column) of every foreign key that points at `table`."""
    cursor.execute(
        "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "WHERE c.contype = 'f' AND c.confrelid = %s::regclass",
        [table],
    )
    return cursor.fetchall()


def _primary_key(cursor, table):
    cursor.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
        "WHERE i.indrelid = %s::regclass AND i.indisprimary",
        [table],
    )
    row = cursor.fetchone()
    return row[0] if row else None


def _delete(cursor, table, condition, depth=0, path=()):
    """Delete the rows of `table` that meet `condition`, children first (Django's CASCADE lives in Python, not in
    the database's foreign keys). A table already on the path is not walked again (a dossier points at its current
    step, which points back at the dossier): the caller clears such back-pointers first."""
    key = _primary_key(cursor, table)
    path = (*path, table)
    for child, column in _referencing(cursor, table):
        if child not in path and key and depth < 4:
            _delete(cursor, child, f"{column} IN (SELECT {key} FROM {table} WHERE {condition})", depth + 1, path)
    cursor.execute(f"DELETE FROM {table} WHERE {condition}")
    return cursor.rowcount


def cleanup(codes):
    """Remove the dossiers with these codes and pgbench's, with everything that hangs off them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_gone AS SELECT id FROM dossiers_dossier WHERE code = ANY(%s)", [codes])
        cursor.execute(f"INSERT INTO bench_gone SELECT id FROM dossiers_dossier WHERE code LIKE '{PGBENCH_PREFIX}%'")
        cursor.execute("UPDATE dossiers_dossier SET current_step_id = NULL WHERE id IN (SELECT id FROM bench_gone)")
        deleted = _delete(cursor, "dossiers_dossier", "id IN (SELECT id FROM bench_gone)")
        cursor.execute("DROP TABLE bench_gone")
        cursor.execute("DROP SEQUENCE IF EXISTS bench_pgbench_seq")
    return deleted


def revision(root):
    """The short commit of a checkout, with "+" when its work tree has changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True)
    except OSError:
        return "?"
    return head.stdout.strip() + ("+" if dirty.stdout.strip() else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="length of each phase")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8, help="API client threads and pgbench clients")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--baseline",
        metavar="DIR",
        help="another checkout (with its own .venv) served side by side in the same run, e.g. the previous "
        "revision: `git worktree add /tmp/base <rev>` and `python3 -m venv /tmp/base/.venv` with its requirements",
    )
    parser.add_argument("--keep", action="store_true", help="keep the rows the run wrote")
    parser.add_argument(
        "--floor", action="store_true", help="also measure the CPU of the cheapest requests (GET /healthz, a detail)"
    )
    parser.add_argument(
        "--accept",
        action="store_true",
        help="the desk's officer accepts each submitted dossier: a unit is create+submit+accept (procedures "
        "without a fee, so that nothing waits for a payment)",
    )
    args = parser.parse_args()
    setup_django()

    from django.db import connection

    tokens = bench_citizens(args.clients)
    pairs = intake_pairs(free=args.accept)
    officers = officer_tokens(pairs) if args.accept else None
    unit = "create+submit+accept" if args.accept else "create+submit"
    with connection.cursor() as cursor:
        cursor.execute("CREATE SEQUENCE IF NOT EXISTS bench_pgbench_seq")
        cursor.execute("SELECT count(*) FROM dossiers_dossier")
        existing = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(",")[0]
    database, db_user = connection.settings_dict["NAME"], connection.settings_dict["USER"] or "postgres"
    script = tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False)  # noqa: SIM115
    script.write(pgbench_script())
    script.close()
    connection.close()

    variants = {f"this checkout ({revision(ROOT)})": ROOT}
    if args.baseline:
        variants[f"baseline ({revision(args.baseline)})"] = Path(args.baseline).resolve()
    servers = {name: start_gunicorn(args.workers, args.threads, root=root) for name, root in variants.items()}
    pg_rates, pg_cpu = [], []
    api = {
        name: {"rates": [], "latencies": [], "errors": [], "requests": 0, "pairs": 0, "cpu": 0.0, "app_cpu": 0.0}
        | {"client_cpu": 0.0, "db_cpu": 0.0}
        for name in variants
    }
    try:
        for name, (_server, port) in servers.items():  # warm: imports, pools, caches
            api[name]["requests"] += (3 if officers else 2) * api_phase(port, tokens, pairs, 3, officers)[0]
        for round_no in range(1, args.rounds + 1):
            busy, client = busy_cpu_seconds(), finished_children_cpu_seconds()
            with BackendCpu(database, db_user) as db:
                tps, latency = pgbench_phase(script.name, args.clients, args.seconds)
            pg_rates.append(tps)
            busy, client = busy_cpu_seconds() - busy, finished_children_cpu_seconds() - client
            transactions = tps * args.seconds
            pg_cpu.append((busy / transactions, (busy - client) / transactions, db.seconds / transactions))
            line = f"round {round_no}: pgbench {tps:7.1f} tx/s ({latency:.1f} ms avg)"
            for name, (server, port) in servers.items():
                workers = children(server.pid)
                busy, app, client = busy_cpu_seconds(), process_cpu_seconds(workers), time.process_time()
                with BackendCpu(database, db_user) as db:
                    done, elapsed, latencies, errors, _codes = api_phase(port, tokens, pairs, args.seconds, officers)
                api[name]["db_cpu"] += db.seconds
                api[name]["cpu"] += busy_cpu_seconds() - busy
                api[name]["app_cpu"] += process_cpu_seconds(workers) - app
                api[name]["client_cpu"] += time.process_time() - client
                api[name]["pairs"] += done
                api[name]["rates"].append(done / elapsed)
                api[name]["latencies"].extend(latencies)
                api[name]["errors"].extend(errors)
                api[name]["requests"] += (3 if officers else 2) * done + len(errors)
                line += f" | API {name}: {done / elapsed:5.1f}/s, {len(errors)} errors"
            print(line, flush=True)
        floors = {}
        for name, (_server, port) in servers.items() if args.floor else ():
            floors[name] = floor_phase(
                port, tokens[0], args.clients, args.seconds, children(_server.pid), database=database
            )
        memory = {name: [rss_mb(pid) for pid in children(server.pid)] for name, (server, _port) in servers.items()}
    finally:
        for server, _port in servers.values():
            stop(server)
    connection.connect()
    # Every API dossier of the run (warm-up included) carries a bench.api owner.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code FROM dossiers_dossier WHERE owner_id IN (SELECT id FROM portal_user WHERE username LIKE %s)",
            [f"{API_PREFIX}%"],
        )
        all_codes = [row[0] for row in cursor.fetchall()]
    deleted = 0 if args.keep else cleanup(all_codes)
    os.unlink(script.name)

    pg = statistics.median(pg_rates)
    print(f"\n{version}; dossiers in the table before the run: {existing:,}; {os.cpu_count()} CPUs (shared machine)")
    print(
        f"API: gunicorn {args.workers} workers × {args.threads} threads (gthread), {args.clients} client threads "
        f"over {len(pairs)} desks, {args.rounds} × {args.seconds} s per variant"
    )
    forms = declarations()
    codes = sorted({code for _desk, code, _province in pairs})
    print("procedures: " + ", ".join(code + (" (with its declaration)" if code in forms else "") for code in codes))
    print("load average at the end (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    print(f"pgbench: -c {args.clients} -j 2, {args.rounds} × {args.seconds} s, two inserts per transaction")
    print(f"pgbench tx/s per round: {', '.join(f'{r:.1f}' for r in pg_rates)} → median {pg:.1f}")
    pg_ms = statistics.median(c[0] for c in pg_cpu) * 1000
    pg_db_ms = statistics.median(c[1] for c in pg_cpu) * 1000
    pg_backend_ms = statistics.median(c[2] for c in pg_cpu) * 1000
    print(
        f"pgbench: machine CPU per transaction {pg_ms:.2f} ms, of which the server side (all but pgbench's own "
        f"process) {pg_db_ms:.2f} ms; its database backends alone {pg_backend_ms:.2f} ms"
    )
    for name, result in api.items():
        rate = statistics.median(result["rates"])
        print(f"\nAPI {name}: {unit}/s per round {', '.join(f'{r:.1f}' for r in result['rates'])}")
        print(f"  median {rate:.1f}/s; ratio API / pgbench = {rate / pg:.1%}  (goal ≥ 10 %)")
        for index, label in enumerate(("create", "submit" + ("+accept" if officers else ""), unit)):
            values = sorted(x[index] for x in result["latencies"])
            print(
                f"  {label:<14} p50 {percentile(values, 0.5):7.1f} ms  p95 {percentile(values, 0.95):7.1f} ms  "
                f"p99 {percentile(values, 0.99):7.1f} ms"
            )
        if result["pairs"]:
            cpu_ms, app_ms, client_ms = (1000 * result[k] / result["pairs"] for k in ("cpu", "app_cpu", "client_cpu"))
            db_ms = cpu_ms - app_ms - client_ms
            print(
                f"  machine CPU per {unit} {cpu_ms:.1f} ms: gunicorn workers {app_ms:.1f} ms, client threads "
                f"{client_ms:.1f} ms, the rest (PostgreSQL, Redis, kernel) {db_ms:.1f} ms"
            )
            print(
                f"  → on this machine {cpu_ms / pg_ms:.0f} × a pgbench transaction's CPU ({pg_ms / cpu_ms:.1%} of its "
                f"rate when saturated); the database side alone {db_ms / pg_db_ms:.1f} × pgbench's server side, so "
                f"with the web workers on cores of their own the database would bear {pg_db_ms / db_ms:.1%} of "
                f"pgbench's rate"
            )
            own_ms = 1000 * (result["app_cpu"] + result["db_cpu"]) / result["pairs"]
            backend_ms = 1000 * result["db_cpu"] / result["pairs"]
            print(
                f"  own CPU per {unit} (gunicorn workers + the database's backends, which the machine's other jobs "
                f"do not reach) {own_ms:.1f} ms: backends {backend_ms:.1f} ms, {backend_ms / pg_backend_ms:.1f} × "
                f"pgbench's backends per transaction"
            )
        machine, own = floors.get(name, ({}, {}))
        for path, ms in machine.items():
            app_ms, backend_ms = own[path]
            print(
                f"  floor: machine CPU per GET {path} {ms:.1f} ms; own {app_ms + backend_ms:.1f} ms (gunicorn "
                f"{app_ms:.1f}, backends {backend_ms:.1f})"
            )
        if machine and result["pairs"]:
            cpu_ms = 1000 * result["cpu"] / result["pairs"]
            healthz, detail = machine["/healthz"], machine["/api/v1/dossiers/{code}/"]
            own_pair = 1000 * (result["app_cpu"] + result["db_cpu"]) / result["pairs"]
            own_healthz, own_detail = (sum(own[p]) for p in ("/healthz", "/api/v1/dossiers/{code}/"))
            print(
                f"  {unit} ÷ /healthz: {cpu_ms / healthz:.1f} × machine CPU, {own_pair / own_healthz:.1f} × own CPU "
                f"(goal ≤ 10 ×); detail ÷ /healthz: {detail / healthz:.1f} × machine, {own_detail / own_healthz:.1f} × "
                f"own (goal ≤ 3 ×)"
            )
        errors = result["errors"]
        print(f"  errors: {len(errors)}" + (f" (first: {errors[0][0]} {errors[0][1][:160]!r})" if errors else ""))
        print(
            f"  gunicorn workers' RSS after {result['requests']:,} requests: "
            + ", ".join(f"{mb:.0f} MiB" for mb in memory[name])
        )
    print(f"\nrows removed afterwards: {deleted:,} dossiers (API and pgbench) with their events, orders, notifications")


if __name__ == "__main__":
    main()
