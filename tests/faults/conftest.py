"""Fixtures of the fault drills: a Redis of our own that a test may stop and start again,
and the Celery app pointed at it (not eager), so an outage touches no one else's Redis."""

import contextlib
import shutil
import socket
import subprocess
import time

import pytest


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """`redis-server` on a free loopback port, in memory only; stop() and start() keep the port."""

    def __init__(self, binary):
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)


@pytest.fixture
def private_redis():
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (CI starts one; apt-get install redis-server)")
    server = PrivateRedis(binary)
    server.start()
    yield server
    server.stop()


def _reset_connections(app):
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_on(settings):
    """Point the Celery app at a broker URL for this test, publishing for real (not eager)."""
    from portal.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager)

    def point(url):
        settings.CELERY_TASK_ALWAYS_EAGER = False
        app.conf.task_always_eager = False
        app.conf.broker_url = url
        _reset_connections(app)
        return app

    yield point
    app.conf.broker_url, app.conf.task_always_eager = saved
    _reset_connections(app)
