"""The stack is the one `make run` serves: gunicorn with two workers, a Celery worker and beat, and every
process links to the address served (SITE_URL), although honcho gives each process type its own PORT."""

import json
import urllib.error
import urllib.request
from pathlib import Path

from .stack import _descendants


def _processes(stack):
    found = {}
    for pid in _descendants(stack.process.pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            environ = dict(
                item.split("=", 1) for item in Path(f"/proc/{pid}/environ").read_text().split("\0") if "=" in item
            )
        except OSError:
            continue
        if Path(command[0].decode()).name == "sh":  # honcho's shell around each Procfile line
            continue
        found[pid] = (" ".join(part.decode() for part in command), environ)
    return found


def test_the_stack_runs_two_web_workers_a_celery_worker_and_beat_all_linking_to_the_served_address(stack):
    processes = _processes(stack)
    gunicorn = [pid for pid, (command, _) in processes.items() if "gunicorn" in command and "portal.wsgi" in command]
    worker = [pid for pid, (command, _) in processes.items() if "celery" in command and " worker" in command]
    beat = [pid for pid, (command, _) in processes.items() if "celery" in command and " beat" in command]
    assert len(gunicorn) == 3, processes  # the master and its two workers
    assert worker and len(beat) == 1, processes
    for pid in gunicorn + worker + beat:
        assert processes[pid][1].get("SITE_URL") == stack.url, (processes[pid][0], processes[pid][1].get("SITE_URL"))
    # The demo gateway's return address is the served one: a payment started on this port comes back here.
    status, body, _ = stack.api("GET", "/healthz")
    assert status == 200 and body["database"] and body["cache"], body


def test_the_stack_runs_the_local_identity_provider_and_the_portal_signs_in_through_it(stack):
    """No OIDC_ISSUER given: `make serve` runs idp/ as one more process and hands the portal its issuer and
    client; the SSO button leads to the provider's authorization endpoint read from its discovery document."""
    processes = _processes(stack)
    assert any("idp.wsgi" in command for command, _ in processes.values()), processes
    with urllib.request.urlopen(stack.url + "/dang-nhap/", timeout=10) as answer:
        assert "Đăng nhập bằng định danh điện tử" in answer.read().decode()
    try:
        urllib.request.build_opener(NoRedirect).open(stack.url + "/dang-nhap/dinh-danh/", timeout=10)
        raise AssertionError("the SSO start did not redirect")
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302
        location = redirect.headers["Location"]
    issuer = f"http://127.0.0.1:{stack.port + 300}/o"
    with urllib.request.urlopen(issuer + "/.well-known/openid-configuration", timeout=10) as answer:
        discovery = json.load(answer)
    assert discovery["issuer"] == issuer and location.startswith(discovery["authorization_endpoint"])
    assert "code_challenge=" in location and "nonce=" in location


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_no_process_of_the_stack_met_a_locked_database(stack):
    """Runs after the journeys of test_campaign_follows, test_limits, test_payment and test_roles (file order):
    several processes write one SQLite file in the embedded default, and none of them may have been turned away
    with "database is locked" (the outbox's sends and the worker's notifications were, before the SQLite
    connections began their transactions IMMEDIATE in WAL mode)."""
    stack.api("GET", "/healthz")
    lines = [line for line in stack.log().splitlines() if "database is locked" in line]
    assert not lines, "\n".join(lines[:10])
