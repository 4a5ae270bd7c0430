"""A campaign activated and ended while the stack runs: every gunicorn worker, the draft form and the
Celery worker follow at once (issue 11, point 1). On a cache that lives in one process's memory,
part of the answers keep the old policy and the worker keeps creating postal orders without the waiver."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from .conftest import PHONE, login

ROUNDS = 24  # policy answers per check, four at a time, so that both gunicorn workers answer

# A procedure of Đồng Nai that takes walk-in and postal intake, with a desk serving it, no campaign on it
# now, and a pickup tariff: the subject of the journey.
PICK = """
from campaigns.policy import effective_policy
from dossiers.services import desk_serves
from portal.models import OneStopDesk, Procedure
from postal.models import PostalTariff

def pick():
    tariffed = PostalTariff.objects.filter(province__code="75", leg="pickup").exists()
    desks = list(OneStopDesk.objects.filter(province__code="75"))
    # Without a declaration form (issue 16): the script below submits no declaration.
    for procedure in Procedure.objects.filter(province__code="75", active=True, postal_intake=True,
                                              postal_return=True, in_person_only=False,
                                              form_version__isnull=True).order_by("code"):
        for desk in desks:
            if not desk_serves(desk, procedure):
                continue
            policy = effective_policy(procedure, desk)
            if ({"walk_in", "postal"} <= set(policy.intake_channels) and "postal" in policy.return_channels
                    and not policy.campaigns and tariffed):
                return {"pk": procedure.pk, "code": procedure.code, "desk": desk.pk}
    raise SystemExit("no procedure fits")

result = pick()
"""

# The citizen submits a postal-intake dossier with its paper still at home (a door-to-door pickup). The post's
# receiver fails inside the submission's transaction (its savepoint is rolled back, the submission commits, the
# event waits in the outbox) and the web process dies before its delivery after commit: the pickup order is left
# to the worker, which the test then asks to drain the outbox (what beat does every minute).
SUBMIT_UNSENT = """
from unittest import mock
from portal import outbox
from portal.models import OneStopDesk, Procedure, User
from dossiers import services
from postal import services as postal_services

citizen = User.objects.get(username=%(citizen)r)
procedure = Procedure.objects.get(pk=%(procedure)d)
desk = OneStopDesk.objects.get(pk=%(desk)d)
broken = mock.patch.object(postal_services, "create_order", side_effect=RuntimeError("bưu điện tạm lỗi"))
with mock.patch.object(outbox, "deliver", lambda *args, **kwargs: None), broken:
    dossier = services.create_draft(
        citizen, procedure=procedure, desk=desk, intake_channel="postal", return_channel="postal",
        applicant={"full_name": "Nguyễn Văn Phục", "phone": "0912345678"},
        address="12 Phan Chu Trinh, phường Quang Vinh, Biên Hòa, Đồng Nai",
    )
    services.submit(dossier, citizen)
result = dossier.code
"""

PICKUP_OF = """
from postal.models import PostalOrder
order = PostalOrder.objects.filter(dossier__code=%(code)r, kind="pickup").first()
result = order and {"fee": order.fee, "fee_waived": order.fee_waived, "percent": order.waived_percent}
"""

# What beat sends every minute: the outbox sweep, published to the stack's broker for its worker.
DRAIN = """
from portal.tasks import drain_outbox
drain_outbox.delay()
"""


def policies(stack, code):
    path = f"/api/v1/procedures/{code}/policy/?province=75"
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: stack.api("GET", path), range(ROUNDS)))
    assert {status for status, _, _ in answers} == {200}
    return [body for _, body, _ in answers]


def worker_pickup(stack, world):
    """A door-to-door pickup created by the Celery worker, as {fee, fee_waived, percent}."""
    code = stack.probe(SUBMIT_UNSENT % world)
    assert stack.probe(PICKUP_OF % {"code": code}) is None  # nothing sent yet: it waits in the outbox
    stack.probe(DRAIN)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        order = stack.probe(PICKUP_OF % {"code": code})
        if order is not None:
            return order
        time.sleep(0.2)
    raise AssertionError(f"the worker made no pickup order for {code}:\n{stack.log()[-3000:]}")


def draft_form(page, world):
    page.goto(f"{page.base}/ho-so/nop/{world['procedure']}/")
    walk_in_open = page.locator("input[name=intake_channel][value=walk_in]:not([disabled])").count() > 0
    return page.content(), walk_in_open


def test_a_campaign_activated_and_ended_is_followed_by_every_process(stack, people, shot):
    picked = stack.probe(PICK)
    world = {"procedure": picked["pk"], "code": picked["code"], "desk": picked["desk"]}
    world["citizen"] = stack.accounts["citizen"]
    admin = stack.token(stack.accounts["province_admin"])
    citizen = people(PHONE)
    login(citizen, world["citizen"])

    # Before: every process has read (and cached) the policy without the campaign.
    for policy in policies(stack, world["code"]):
        assert "walk_in" in policy["intake_channels"]
        assert policy["postal_fee_waived_percent"] == 0
    for _ in range(4):
        _html, walk_in_open = draft_form(citizen, world)
    before = worker_pickup(stack, world)
    assert before["fee"] > 0 and before["fee_waived"] == 0

    notice = "Tạm dừng nhận hồ sơ trực tiếp (kiểm thử hệ thống phục vụ)"
    status, campaign, _ = stack.api(
        "POST",
        "/api/v1/campaigns/",
        {
            "province": "75",
            "title": "Phòng dịch – kiểm thử",
            "legal_basis": "Công văn số 1/UBND-KT",
            "starts_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
            "scope": {"procedures": [world["code"]]},
            "rules": {"walk_in_suspended": True, "postal_fee_waived_percent": 100, "notice": notice},
        },
        token=admin,
    )
    assert status == 201, campaign
    status, body, _ = stack.api("POST", f"/api/v1/campaigns/{campaign['id']}/activate/", {}, token=admin)
    assert status == 200 and body["status"] == "active", body

    # At once, in every gunicorn worker: walk-in closed, the notice and the waiver shown.
    answers = policies(stack, world["code"])
    stale = [a for a in answers if "walk_in" in a["intake_channels"] or campaign["id"] not in a["campaigns"]]
    assert not stale, f"{len(stale)} of {len(answers)} answers still without the campaign"
    assert all(a["postal_fee_waived_percent"] == 100 and notice in " ".join(a["notices"]) for a in answers)
    for _ in range(6):
        html, walk_in_open = draft_form(citizen, world)
        assert notice in html and not walk_in_open
    shot(citizen, "draft-form-during-campaign")

    # And in the Celery worker: the order it creates carries the 100 % waiver.
    during = worker_pickup(stack, world)
    assert during["fee"] > 0 and during["fee_waived"] == during["fee"] and during["percent"] == 100, during

    status, body, _ = stack.api("POST", f"/api/v1/campaigns/{campaign['id']}/end/", {}, token=admin)
    assert status == 200 and body["status"] == "ended", body

    answers = policies(stack, world["code"])
    lingering = [a for a in answers if "walk_in" not in a["intake_channels"] or campaign["id"] in a["campaigns"]]
    assert not lingering, f"{len(lingering)} of {len(answers)} answers still under the ended campaign"
    for _ in range(6):
        html, _walk_in_open = draft_form(citizen, world)
        assert notice not in html
    shot(citizen, "draft-form-after-campaign")

    after = worker_pickup(stack, world)
    assert after["fee"] > 0 and after["fee_waived"] == 0, after
