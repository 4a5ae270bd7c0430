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

    FUZZ_EXAMPLES=40 pytest tests/test_api_fuzz.py     more cases per operation, role and mode
    FUZZ_ONLY="GET /api/v1/agencies/" FUZZ_REPORT=/tmp/fuzz.txt pytest tests/test_api_fuzz.py
"""

import contextlib
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
from tests.factories import CitizenFactory, OfficerFactory, OneStopDeskFactory, ProcedureFactory

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
