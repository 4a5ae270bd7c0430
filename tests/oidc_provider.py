"""The REAL local OpenID Connect provider (idp/, django-oauth-toolkit) for the single sign-on tests: started once
per test process (each pytest-xdist worker has its own) as a gunicorn subprocess on a free port, with its own
database and RSA key in a temporary folder; and a token-endpoint proxy that alters the ID token on its way
back (a tampered signature, or a validly re-signed token carrying another nonce).

The client is registered for the test client's host (http://testserver) and, when a browser test asks, for
the live server's address too."""

import atexit
import json
import re
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import jwt
import requests

ROOT = Path(__file__).resolve().parent.parent
CLIENT_ID = "motcua-test"
# Made up for the tests; the leak test greps every answer and log line of a sign-in for it.
CLIENT_SECRET = "test-client-secret-Zq4Xn8Lw2Rv6Tb1Ky9Ps"
CALLBACK = "/dang-nhap/dinh-danh/callback/"
PASSWORD = "motcua-demo-2026"  # idp/demo.py
LINKED_CITIZEN = "079090001234"  # idp/demo.py: the national ID of motcua's demo password citizen
NEW_CITIZEN = "001195004321"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalProvider:
    def __init__(self, folder):
        self.folder = Path(folder)
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}/o"
        self.env = {
            "PATH": "/usr/bin:/bin",
            "IDP_VAR_DIR": str(self.folder),
            "IDP_ISSUER": self.issuer,
            "LOG_LEVEL": "WARNING",
        }
        self.bases = {"http://testserver"}
        self.process = None
        self.log = self.folder / "idp.log"

    def register(self, *bases):
        """(Re-)register the client with a callback and a post-logout address under each base URL."""
        self.bases.update(bases)
        args = [sys.executable, "-m", "idp", "idp_setup", "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]
        for base in sorted(self.bases):
            args += ["--redirect-uri", base + CALLBACK, "--post-logout-uri", base + "/"]
        subprocess.run(args, cwd=ROOT, env=self.env, check=True, capture_output=True, timeout=120)

    def start(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        self.register()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "idp.wsgi:application", "--bind", f"127.0.0.1:{self.port}"]
            + ["--workers", "1", "--threads", "8", "--timeout", "60"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.discovery_url, timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("the local OpenID Connect provider did not start:\n" + self.log.read_text())

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    @property
    def discovery_url(self):
        return f"{self.issuer}/.well-known/openid-configuration"

    def discovery(self):
        return requests.get(self.discovery_url, timeout=5).json()

    def private_key(self):
        return (self.folder / "oidc.key").read_text()

    def kid(self):
        return requests.get(self.discovery()["jwks_uri"], timeout=5).json()["keys"][0]["kid"]


def sign_in(authorize_url, national_id, password=PASSWORD):
    """A person at the provider (no browser): open the authorization URL, sign in on the provider's page, and
    return the URL the provider sends them back to (motcua's callback with code and state)."""
    session = requests.Session()
    page = session.get(authorize_url, timeout=10)
    assert "Cổng định danh điện tử (mô phỏng)" in page.text, page.text[:500]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    next_url = re.search(r'name="next" value="([^"]*)"', page.text).group(1).replace("&amp;", "&")
    answer = session.post(
        page.url,
        data={"csrfmiddlewaretoken": token, "username": national_id, "password": password, "next": next_url},
        allow_redirects=False,
        timeout=10,
    )
    for _ in range(5):
        assert answer.status_code in (301, 302), answer.text[:500]
        location = urljoin(answer.url, answer.headers["Location"])
        if not location.startswith(urlsplit(authorize_url)._replace(path="", query="").geturl().rstrip("/")):
            return location
        answer = session.get(location, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the person back")


def flip_signature(id_token):
    """One byte of the signature changed (a character in the middle: every bit of it is signature)."""
    header, payload, signature = id_token.split(".")
    middle = len(signature) // 2
    changed = "A" if signature[middle] != "A" else "B"
    return f"{header}.{payload}.{signature[:middle]}{changed}{signature[middle + 1 :]}"


def resign_with_nonce(provider, nonce):
    """A validly signed token (the provider's own key and kid) that carries another nonce."""

    def alter(id_token):
        claims = jwt.decode(id_token, options={"verify_signature": False})
        claims["nonce"] = nonce
        return jwt.encode(claims, provider.private_key(), algorithm="RS256", headers={"kid": provider.kid()})

    return alter


class TokenProxy:
    """A token endpoint in front of the provider's: forwards the request as it came, then alters the ID token
    of the answer with `alter`. Point the client at it by giving it as token_endpoint in the cached
    discovery document (portal/oidc/provider.py)."""

    def __init__(self, target, alter):
        self.target = target
        self.alter = alter
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name: self.headers[name] for name in ("Authorization", "Content-Type") if self.headers[name]}
                upstream = requests.post(proxy.target, data=body, headers=headers, timeout=10)
                content = upstream.content
                if upstream.status_code == 200:
                    document = upstream.json()
                    document["id_token"] = proxy.alter(document["id_token"])
                    content = json.dumps(document).encode()
                self.send_response(upstream.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/token/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


_shared = {}


def shared_provider(tmp_path_factory):
    """One provider for the whole test process (each xdist worker its own), stopped when the process ends."""
    if "provider" not in _shared:
        provider = LocalProvider(tmp_path_factory.mktemp("idp")).start()
        atexit.register(provider.stop)
        _shared["provider"] = provider
    return _shared["provider"]


def configure(settings, provider):
    """motcua's settings pointed at `provider` (pytest-django's `settings`, restored after the test)."""
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_CLIENT_ID = settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    return provider
