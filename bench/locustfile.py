"""The mixed load of bench/load.py, for locust (bench/requirements.txt; runs in locust's own environment).

Three kinds of users, in the proportions of a public-service portal's traffic:

- ``Visitor`` (weight 6, anonymous): the home page, the procedure catalog (HTML list and the API with a province
  filter), one procedure's API detail, and public tracking of a real dossier by code and the last four digits of
  the applicant's phone (``/api/v1/tracking/{code}/?phone=``).
- ``Citizen`` (weight 2, API token): creates a dossier (postal intake: the post picks the paper up) and submits it,
  then reads it back.
- ``Officer`` (weight 2, session login): the officer queue page ``/can-bo/`` on the "đang xử lý" tab, following
  the keyset "next" links a few pages deep, and the "chờ tiếp nhận" tab.

The runner writes what the users need (tokens, officer logins, tracking samples, desk/procedure pairs) to the JSON
file named by ``MOTCUA_LOAD_DATA``. Any status other than the expected one is a failure.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re

from bench_throughput import create_body  # the same bodies as the throughput bench (locust puts bench/ on the path)
from locust import HttpUser, between, task

DATA = json.loads(open(os.environ["MOTCUA_LOAD_DATA"], encoding="utf-8").read())  # noqa: SIM115
NEXT = re.compile(r"[?&;]after=([A-Za-z0-9_\-]+)")  # the link is HTML-escaped: "&amp;after="
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_tokens = itertools.cycle(DATA["tokens"])
_officers = itertools.cycle(DATA["officers"])


class Visitor(HttpUser):
    weight = 6
    wait_time = between(1, 3)

    @task(2)
    def home(self):
        self.client.get("/", name="/ (home)")

    @task(2)
    def catalog_page(self):
        self.client.get("/thu-tuc/", name="/thu-tuc/")

    @task(3)
    def catalog_api(self):
        province = random.choice(DATA["provinces"])
        self.client.get(f"/api/v1/procedures/?province={province}", name="/api/v1/procedures/?province=")

    @task(2)
    def procedure_api(self):
        code, province = random.choice(DATA["procedures"])
        self.client.get(f"/api/v1/procedures/{code}/?province={province}", name="/api/v1/procedures/{code}/")

    @task(3)
    def tracking(self):
        code, last4 = random.choice(DATA["tracking"])
        self.client.get(f"/api/v1/tracking/{code}/?phone={last4}", name="/api/v1/tracking/{code}/")


class Citizen(HttpUser):
    weight = 2
    wait_time = between(2, 5)

    def on_start(self):
        self.headers = {"Authorization": f"Token {next(_tokens)}"}
        self.n = 0

    @task
    def create_and_submit(self):
        desk, procedure, province = random.choice(DATA["pairs"])
        self.n += 1
        body = create_body(procedure, province, desk, self.n, DATA.get("forms", {}))
        with self.client.post(
            "/api/v1/dossiers/", json=body, headers=self.headers, name="/api/v1/dossiers/", catch_response=True
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            code = response.json()["code"]
        with self.client.post(
            f"/api/v1/dossiers/{code}/submit/",
            json={},
            headers=self.headers,
            name="/api/v1/dossiers/{code}/submit/",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
        self.client.get(f"/api/v1/dossiers/{code}/", headers=self.headers, name="/api/v1/dossiers/{code}/")


class Officer(HttpUser):
    weight = 2
    wait_time = between(2, 5)

    def on_start(self):
        username, password = next(_officers)
        page = self.client.get("/dang-nhap/", name="/dang-nhap/ (form)")
        token = CSRF.search(page.text).group(1)
        with self.client.post(
            "/dang-nhap/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/dang-nhap/"},
            name="/dang-nhap/ (login)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login failed: {response.status_code}")

    @task(3)
    def processing_queue(self):
        response = self.client.get("/can-bo/?queue=processing", name="/can-bo/?queue=processing (page 1)")
        for _ in range(random.randrange(0, 4)):
            found = NEXT.search(response.text)
            if not found:
                break
            response = self.client.get(
                f"/can-bo/?queue=processing&after={found.group(1)}", name="/can-bo/?queue=processing&after= (next)"
            )

    @task(1)
    def intake_queue(self):
        self.client.get("/can-bo/?queue=intake", name="/can-bo/?queue=intake")
