"""schemathesis over /api/schema/: every operation, called as a citizen and as an officer with
generated input (valid and invalid), passes every check schemathesis has: no 5xx, every status
code and content type documented, every answer (errors included) fitting its schema, response
headers, invalid input refused, valid input accepted (see CONFIG for what a 400 means here), and
an operation that needs a login refusing a call without it or with a wrong token (ignored_auth).

One test walks all operations in a single database transaction over one small world (a
desk, its officer, a citizen's dossiers in several states, a campaign, a postal order), so
path parameters sometimes name real objects instead of random strings. The generation is
derandomized: CI sees the same cases on every run. Failures are collected (not shrunk) and
reported together with a curl command that reproduces each.

A second test keeps issue 12.4 fixed on every operation the schema lists: hostile JSON bodies (nested
50,000 deep, `1e400`, a lone surrogate) on every operation taking a JSON body and hostile moments
(`0001-01-01T00:00:00+14:00`, ...) in every moment parameter, as anonymous and every role: always a
4xx with a JSON body, and every body refused by the parser for some caller who may send it.

    FUZZ_EXAMPLES=40 pytest tests/test_api_fuzz.py     more cases per operation, role and mode
    FUZZ_ONLY="GET /api/v1/agencies/" FUZZ_REPORT=/tmp/fuzz.txt pytest tests/test_api_fuzz.py
"""

import contextlib
import itertools
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import ignored_auth, negative_data_rejection

from tests.dossier_helpers import make_dossier
from tests.factories import (
    CitizenFactory,
    HeadFactory,
    OfficerFactory,
    OneStopDeskFactory,
    PostalClerkFactory,
    ProcedureFactory,
    ProvinceAdminFactory,
)

pytestmark = [pytest.mark.faults, pytest.mark.django_db]
VN = ZoneInfo("Asia/Ho_Chi_Minh")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))  # per operation, role and generation mode
MIN_CASES = 2000
# Every check schemathesis has runs (status codes, content types, response schemas and headers, server
# errors, positive and negative data, ignored auth, ...). One is told what this API means by a 400: a
# schema-valid request may still break a rule no OpenAPI schema can say (an unknown procedure code, a wrong
# password, a weak one, a day in the past, the effective policy), and that refusal is a 400 with field messages
# (docs/api.md), so positive data may be answered 400 as well as the default 2xx/3xx/401/403/404/409/429.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
            }
        }
    }
)


def build_world():
    """The objects a path parameter may name, by parameter name."""
    officer = OfficerFactory()
    citizen = CitizenFactory()
    procedure = ProcedureFactory(
        province=officer.desk.province, agency=officer.desk.agency, postal=True, fee=50000, documents=1
    )
    at = datetime(2024, 3, 4, 9, 0, tzinfo=VN)
    dossiers = [
        make_dossier(state, officer=officer, citizen=citizen, procedure=procedure, at=at)
        for state in ("draft", "submitted", "accepted", "processing", "completed", "returned")
    ]
    postal = make_dossier(
        "accepted", officer=officer, citizen=citizen, procedure=procedure, intake_channel="postal", address="1 Lê Lợi"
    )
    dossiers.append(postal)
    stranger = make_dossier("accepted")  # another citizen at another desk
    values = {
        "code": [d.code for d in dossiers]
        + [stranger.code, procedure.code, procedure.province.code, procedure.agency.code],
        # A desk of the province's centre has no agency: its `agency` is null in every answer.
        "id": [officer.desk_id, OneStopDeskFactory(province=officer.desk.province, centre=True).pk],
        "document_id": [doc.pk for d in dossiers for doc in d.documents.all()],
        "provider": ["demo"],
    }
    try:
        from campaigns.testing import make_campaign

        values["id"].append(make_campaign(procedure.province, rules={"notice": "Thử nghiệm"}).pk)
    except Exception as exc:  # the campaigns app is being extended: fuzz without a campaign
        print(f"no campaign in the fuzz world: {exc!r}")
    try:
        from postal.models import PostalOrder

        values["id"] += list(PostalOrder.objects.filter(dossier=postal).values_list("pk", flat=True))
    except Exception as exc:
        print(f"no postal order in the fuzz world: {exc!r}")
    tokens = {
        "citizen": Token.objects.create(user=citizen).key,
        "officer": Token.objects.create(user=officer).key,
    }
    return values, tokens


def lenient_only(case):
    """Invalid input only where the API is lenient by design: optional query parameters (django-filter reads an
    empty or unreadable optional filter as no filter, REST framework's pagination an empty page as the first),
    headers and cookies (the caller's own token is sent over any generated one). Invalid bodies and paths are
    still required to be refused (negative_data_rejection)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_negative:
        return False
    return not (meta.is_negative_at(ParameterLocation.BODY) or meta.is_negative_at(ParameterLocation.PATH))


def describe(case, response, error):
    return (
        f"{case.operation.label} → {response.status_code if response is not None else '-'}: "
        f"{str(error).strip()[:1500]}\n    {case.as_curl_command()}"
    )


def test_no_server_error_and_every_response_fits_the_schema():
    from portal.wsgi import application

    values, tokens = build_world()
    # As Django's test client does: keep the test's connection (and its transaction) across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        cases, failures = _fuzz(application, values, tokens)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert not failures, f"{len(failures)} of {cases} cases failed:\n" + "\n".join(failures[:40])
    assert cases >= MIN_CASES or EXAMPLES < 10 or os.environ.get("FUZZ_ONLY"), f"only {cases} cases were generated"


def _fuzz(application, values, tokens):
    """Run every operation as every role, valid and invalid input; return (cases run, failures)."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)
    failures, cases = [], [0]
    # ignored_auth probes a successful call again without credentials and with wrong ones: as schemathesis'
    # own runner does, once per operation and role is enough (enforcement is a property of the operation).
    auth_confirmed = set()

    def run_operation(operation, role, mode):
        @given(case=operation.as_strategy(generation_mode=mode), pick=st.integers(min_value=0, max_value=15))
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case, pick):
            # Half the time, name real objects in the path (the generator alone only finds 404s); never in a
            # path generated invalid on purpose, which would then be valid and answered 200.
            negative_path = case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH)
            for name in [] if negative_path else list(case.path_parameters or {}):
                real = values.get(name) or []
                if real and pick % 2 == 0:
                    case.path_parameters[name] = real[(pick // 2) % len(real)]
            cases[0] += 1
            response = None
            # Each case starts from the same world, and a database error in one (a 500) does not
            # leave the test's transaction unusable for the next.
            savepoint = transaction.savepoint()
            try:
                # Named as the caller's own credentials (not generated ones): ignored_auth then probes the
                # operation without them and with wrong ones, and expects a 401 or 403.
                auth = {"Authorization": f"Token {tokens[role]}"}
                response = case.call(headers=auth)
                excluded = [ignored_auth] if (operation.label, role) in auth_confirmed else []
                if lenient_only(case):
                    excluded.append(negative_data_rejection)
                case.validate_response(response, headers=auth, excluded_checks=excluded)
                if 200 <= response.status_code < 300:
                    auth_confirmed.add((operation.label, role))
            except (Exception, BaseExceptionGroup) as error:  # collected, then reported together
                failures.append(f"[{role}, {mode.value}] {describe(case, response, error)}")
            finally:
                transaction.set_rollback(False)  # first: Django refuses any query, even the rollback, after an error
                transaction.savepoint_rollback(savepoint)

        with contextlib.suppress(Unsatisfiable):  # e.g. no invalid input exists for an operation without parameters
            run()

    only = os.environ.get("FUZZ_ONLY", "")  # e.g. FUZZ_ONLY="GET /api/v1/agencies/": one operation while fixing it
    for result in schema.get_all_operations():
        operation = result.ok()
        if only not in operation.label:
            continue
        for role in tokens:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                run_operation(operation, role, mode)

    print(f"schemathesis: {cases[0]} cases, {len(failures)} failures")
    if os.environ.get("FUZZ_REPORT"):
        Path(os.environ["FUZZ_REPORT"]).write_text("\n\n".join(failures))
    return cases[0], failures


# ---------- hostile JSON and moments on every operation (issue 12.4): refused, never a 5xx ----------

# Each is refused by the parser (portal/jsonsafe.py) with a message holding its key: 50,000 brackets (a
# RecursionError once), a number past the float range and a lone surrogate (PostgreSQL's DataError once). The
# last two fill every field of the operation's body, so nothing but the parser stands between them and a column.
HOSTILE_BODIES = {
    "1e400": lambda fields: "{" + ", ".join(f'"{name}": 1e400' for name in fields) + "}",
    "Unicode": lambda fields: "{" + ", ".join(f'"{name}": "\\udc00"' for name in fields) + "}",
    "lồng nhau": lambda fields: "[" * 50_000 + "]" * 50_000,
}
# Moments with no UTC equivalent (datetime's range overflows on conversion) and one without an offset.
HOSTILE_MOMENTS = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-10:00", "0001-01-01T00:00:00"]


# The payment callback takes whatever a provider sends: a body it cannot parse is logged as text (at most
# PAYMENT_CALLBACK_MAX_BYTES, 413 beyond) and answered in the provider's shape, a 400 "bad signature".
OWN_ANSWER = {("POST", "/api/v1/payments/callback/{provider}/")}


def refused_by_parser(method, path, status, body, key):
    """The answer is the JSON parser's refusal of the hostile body named `key`."""
    if (method, path) in OWN_ANSWER:
        return status in (400, 413)
    return status == 400 and key in str((body or {}).get("detail", ""))


def _resolved(spec, schema):
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _operations(spec):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method.upper(), path, operation


def _path_choices(path, operation, values):
    """Every way to fill the path from the world's objects (one empty way for a path without parameters)."""
    names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(values.get(n, ["0"]) for n in names))]


def test_hostile_json_and_moments_are_4xx_with_a_json_body_on_every_operation():
    """For every operation taking a JSON body, the hostile bodies, anonymously and as every role; for every
    query parameter that is a moment (date-time, or ISO 8601 in its description), the moments. Every answer
    is a 4xx with a JSON body; every body-taking operation refuses the bodies at the parser for at least one
    caller (the path filled with real objects until one lets the body be read), and the public policy
    endpoint refuses the moments with a 400."""
    from django.test import Client

    from dossiers.models import Dossier
    from postal.models import PostalOrder
    from tests.postal_factories import committed

    values, tokens = build_world()
    officer = Token.objects.get(key=tokens["officer"]).user
    # The other staff roles too, so that every operation has a caller who may send it a body.
    for role, user in {
        "province_admin": ProvinceAdminFactory(province=officer.desk.province),
        "head": HeadFactory(agency=officer.desk.agency),
        "postal_clerk": PostalClerkFactory(province=officer.desk.province),
    }.items():
        tokens[role] = Token.objects.create(user=user).key
    # And a postal order for the clerk (the world's postal dossier has none: its order is made after commit).
    procedure = Dossier.objects.get(code=values["code"][0]).procedure
    postal = committed(
        make_dossier, "accepted", officer=officer, procedure=procedure, intake_channel="postal", address="1 Lê Lợi"
    )
    values["id"] = [*PostalOrder.objects.filter(dossier=postal).values_list("pk", flat=True), *values["id"]]
    # And an urgent-exception request for the head (approve/decline look it up before they read the body).
    from dossiers import services

    values["id"].append(services.grant_exception(postal, officer, "Người bệnh cần giấy tờ gấp để điều trị").pk)
    callers = {"anonymous": {}, **{role: {"HTTP_AUTHORIZATION": f"Token {key}"} for role, key in tokens.items()}}
    client = Client(raise_request_exception=False)
    spec = client.get("/api/schema/", {"format": "json"}).json()
    failures, parsed, moments_refused, sent = [], set(), set(), [0]

    def send(label, role, method, url, **kwargs):
        sent[0] += 1
        savepoint = transaction.savepoint()
        try:
            if method == "GET":
                response = client.get(url, kwargs.get("data"), **callers[role])
            else:
                response = client.generic(method, url, kwargs["data"], "application/json", **callers[role])
            try:
                body = response.json()
            except ValueError:
                body = None
            if not (400 <= response.status_code < 500 and body is not None):
                failures.append(f"[{role}] {label} → {response.status_code}: {response.content[:200]!r}")
            return response.status_code, body
        finally:
            transaction.set_rollback(False)
            transaction.savepoint_rollback(savepoint)

    for method, path, operation in _operations(spec):
        content = operation.get("requestBody", {}).get("content", {})
        if method in ("POST", "PUT", "PATCH") and "application/json" in content:
            fields = list(_resolved(spec, content["application/json"].get("schema", {})).get("properties", {})) or ["x"]
            for role in callers:
                # The first body tries the world's objects until one lets the body be read; the others go there.
                (probe, make_probe), *others = HOSTILE_BODIES.items()
                choices, reached = _path_choices(path, operation, values), None
                for filled in choices:
                    url = path.format(**filled)
                    status, body = send(f"{method} {url} ({probe})", role, method, url, data=make_probe(fields))
                    if refused_by_parser(method, path, status, body, probe):
                        parsed.add((method, path))
                        reached = filled
                        break
                    if status == 401:  # not signed in, whatever the path names
                        break
                url = path.format(**(reached or choices[0]))
                for key, make in others:
                    status, body = send(f"{method} {url} ({key})", role, method, url, data=make(fields))
                    if reached and not refused_by_parser(method, path, status, body, key):
                        failures.append(f"[{role}] {method} {url} ({key}) → {status}, not the parser's 400: {body}")
        moments = [
            p["name"]
            for p in operation.get("parameters", [])
            if p["in"] == "query"
            and (p.get("schema", {}).get("format") == "date-time" or "ISO 8601" in p.get("description", ""))
        ]
        for name, moment in itertools.product(moments, HOSTILE_MOMENTS):
            for role in callers:
                for filled in _path_choices(path, operation, values):
                    url = path.format(**filled)
                    status, _body = send(f"{method} {url}?{name}={moment}", role, method, url, data={name: moment})
                    if status == 400:
                        moments_refused.add((path, name))
                    if status != 404:  # the path names an object this caller sees: the moment was read
                        break
    body_operations = {
        (method, path)
        for method, path, operation in _operations(spec)
        if method in ("POST", "PUT", "PATCH")
        and "application/json" in operation.get("requestBody", {}).get("content", {})
    }
    print(f"hostile input: {sent[0]} requests, {len(body_operations)} JSON operations, {len(parsed)} read the body")
    assert not failures, f"{len(failures)} of {sent[0]} answers were not a 4xx with a JSON body:\n" + "\n".join(
        failures[:40]
    )
    assert body_operations - parsed == set(), "no caller's body reached the parser"
    assert ("/api/v1/procedures/{code}/policy/", "at") in moments_refused
