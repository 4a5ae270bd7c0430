"""The real stack, started the way `make run` starts it: `manage.py migrate`, `manage.py load_demo`,
then `make serve` (collectstatic, honcho with the Procfile: gunicorn with 2 workers, a Celery worker
and beat) on a free port. Everything it writes lives in a temp folder (VAR_DIR: the SQLite database,
the filesystem broker, uploads, mail files; STATIC_ROOT), never in the developer's var/.

Two variants: "embedded" (no DATABASE_URL, no REDIS_URL: the no-settings default) and "postgres"
(a database of its own, `<name>_served`, created and dropped here, and a Redis db number of its own,
flushed before and after)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "motcua-demo-2026"
# What the stack must not inherit from the test run (or from a developer's shell).
DROPPED = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "SITE_URL",
    "MEDIA_ROOT",
    "STATIC_ROOT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_MODE",
    "DEBUG",
    "PYTEST_CURRENT_TEST",
    "PYTEST_XDIST_WORKER",
)


class StackError(RuntimeError):
    pass


def _descendants(pid):
    """Every process below `pid` (from /proc: honcho starts each child in a session of its own)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _signal_groups(pids, sig):
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(os.getpgid(pid), sig)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


class ServedStack:
    def __init__(self, variant, folder, port, database_url=None, redis_url=None):
        self.variant = variant
        self.folder = Path(folder)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.var = self.folder / "var"
        self.log_path = self.folder / "stack.log"
        self.accounts = {}
        self.process = None
        self._probe = None
        self.timings = {}
        self.env = {key: value for key, value in os.environ.items() if key not in DROPPED}
        self.env.update(
            VAR_DIR=str(self.var),
            STATIC_ROOT=str(self.folder / "staticfiles"),
            HOST="127.0.0.1",
            PORT=str(port),
            PYTHONUNBUFFERED="1",
            LOG_LEVEL="INFO",
        )
        if database_url:
            self.env["DATABASE_URL"] = database_url
        if redis_url:
            self.env["REDIS_URL"] = redis_url

    # --- commands run the way make does -----------------------------------------------------

    def run(self, *args, timeout=180, input=None):
        done = subprocess.run(
            list(args), cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout, input=input
        )
        if done.returncode != 0:
            output = done.stdout[-3000:] + done.stderr[-3000:]
            raise StackError(f"{' '.join(args)} failed ({done.returncode}):\n{output}")
        return done.stdout

    def manage(self, *args, **kwargs):
        return self.run(sys.executable, "manage.py", *args, **kwargs)

    def probe(self, code):
        """Run Python (which sets `result`) in the stack's probe process (tests/served/probe.py): the stack's
        database, cache and broker. Returns `result`."""
        if self._probe is None:
            self._probe = subprocess.Popen(
                [sys.executable, str(Path(__file__).with_name("probe.py"))],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.log_path.with_name("probe.log").open("w"),
                text=True,
                start_new_session=True,
            )
            self._answer()
        self._probe.stdin.write(json.dumps({"code": code}) + "\n")
        self._probe.stdin.flush()
        return self._answer()

    def _answer(self):
        line = self._probe.stdout.readline()
        if not line:
            raise StackError("the probe process stopped: " + self.log_path.with_name("probe.log").read_text()[-3000:])
        answer = json.loads(line)
        if "error" in answer:
            raise StackError(answer["error"])
        return answer["ok"]

    # --- lifecycle ------------------------------------------------------------------------

    def prepare(self):
        """`make run`'s first steps: migrate, then load the demo data (its accounts are read from what it prints)."""
        for sub in ("broker/processed", "broker/control", "media", "mail"):
            (self.var / sub).mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        self.manage("migrate", "--noinput")
        self.timings["migrate"] = time.monotonic() - began
        self.accounts = parse_accounts(self.manage("load_demo"))
        self.timings["load_demo"] = time.monotonic() - began - self.timings["migrate"]
        return self

    def start(self, timeout=90):
        """Then `make serve`: collectstatic and honcho; ready when /healthz answers and the worker and beat run."""
        if not self.accounts:
            self.prepare()
        began = time.monotonic()
        log = self.log_path.open("w")
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "serve", f"PORT={self.port}", "HOST=127.0.0.1"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StackError(f"the stack stopped ({self.process.returncode}):\n{self.log()[-4000:]}")
            text = self.log()
            if self._healthy() and re.search(r"celery@\S+ ready", text) and "beat: Starting" in text:
                self.timings["serve"] = time.monotonic() - began
                return self
            time.sleep(0.3)
        raise StackError(f"the stack did not come up in {timeout} s:\n{self.log()[-4000:]}")

    def _healthy(self):
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self):
        """SIGTERM to honcho's group (it stops its children), then SIGKILL to whatever is left of any
        process it started, each in its own process group."""
        if self._probe is not None:
            with contextlib.suppress(OSError):
                self._probe.stdin.close()
            _signal_groups([self._probe.pid], signal.SIGKILL)
            self._probe.wait(timeout=5)
            self._probe = None
        if self.process is None:
            return
        family = _descendants(self.process.pid)
        _signal_groups([self.process.pid], signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=15)
        family += _descendants(self.process.pid)
        _signal_groups([self.process.pid, *family], signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        self.process = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in family):
            time.sleep(0.1)

    # --- the API, as a client would call it -------------------------------------------------

    def api(self, method, path, body=None, token=None):
        request = urllib.request.Request(self.url + path, method=method)
        request.add_header("Accept", "application/json")
        if token:
            request.add_header("Authorization", f"Token {token}")
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, data, timeout=15) as answer:
                return answer.status, json.loads(answer.read() or b"null"), answer.headers
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null"), error.headers

    def token(self, username):
        status, body, _ = self.api("POST", "/api/v1/auth/token/", {"username": username, "password": PASSWORD})
        if status != 200:
            raise StackError(f"no token for {username}: {status} {body}")
        return body["token"]


def parse_accounts(output):
    """load_demo prints "Tài khoản mẫu (mật khẩu: …):" then one "  role  username" line per account."""
    accounts, started = {}, False
    for line in output.splitlines():
        if line.startswith("Tài khoản mẫu"):
            started = True
            continue
        if started:
            parts = line.split()
            if len(parts) != 2:
                break
            accounts[parts[0]] = parts[1]
    if not accounts:
        raise StackError(f"load_demo printed no accounts:\n{output[-2000:]}")
    return accounts


# --- PostgreSQL and Redis of the "postgres" variant ---------------------------------------------


def served_database(database_url):
    """The URL of `<name>_served` on the same server, and the URL to administer it from."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") or "motcua"
    served = f"{name}_served"
    return urlunsplit(parts._replace(path=f"/{served}")), urlunsplit(parts._replace(path="/postgres")), served


def recreate_database(admin_url, name, drop_only=False):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def served_redis(redis_url):
    """Another db number on the same Redis (the test run's number + 8, modulo 16), flushed."""
    import redis

    parts = urlsplit(redis_url or "redis://127.0.0.1:6379/0")
    number = int(parts.path.lstrip("/") or 0)
    served = urlunsplit(parts._replace(path=f"/{(number + 8) % 16}"))
    redis.Redis.from_url(served, socket_connect_timeout=2).flushdb()
    return served


def flush_redis(url):
    import redis

    with contextlib.suppress(Exception):
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
