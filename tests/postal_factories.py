"""Postal orders in each lifecycle state, made through the services (the one door).

world = postal_world()                       a province with a desk, officer, clerk, procedure, tariffs
order = make_order(world)                    a pickup, created when the officer accepted the dossier
make_order(world, kind="return", state="picked_up", at=...)
make_order(world, breached=True)             its SLA ran out and the sweep recorded it
client = make_client(world.province, webhook_url="http://…")   client.token: the Bearer token
"""

from dataclasses import dataclass
from datetime import date

import factory
import time_machine
from django.test import TestCase
from django.utils import timezone

from dossiers import services as dossier_services
from portal.models import Province
from postal import services
from postal.auth import hash_token, new_credentials
from postal.models import IntegrationClient, PostalOrder, PostalTariff
from tests.dossier_helpers import make_dossier
from tests.factories import CitizenFactory, OfficerFactory, PostalClerkFactory, ProcedureFactory

ADDRESS = "25 Võ Thị Sáu, phường Thống Nhất, TP. Biên Hòa"


class PostalTariffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostalTariff

    leg = PostalTariff.Leg.PICKUP
    zone = "default"
    amount = 22000
    valid_from = date(2019, 1, 1)


@dataclass
class World:
    province: Province
    officer: object
    clerk: object
    procedure: object

    @property
    def desk(self):
        return self.officer.desk


def postal_world(pickup_fee=22000, return_fee=25000, clock_hours=False):
    officer = OfficerFactory()
    province = officer.desk.province
    if clock_hours:
        province.postal_sla_clock_hours = True
        province.save()
    procedure = ProcedureFactory(province=province, agency=officer.desk.agency, postal=True)
    PostalTariffFactory(province=province, leg="pickup", amount=pickup_fee)
    PostalTariffFactory(province=province, leg="return", amount=return_fee)
    return World(province, officer, PostalClerkFactory(province=province), procedure)


def committed(function, *args, **kwargs):
    """Run `function` and then its on-commit callbacks (the domain events), as a real commit would."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return function(*args, **kwargs)


def postal_dossier(world, state="accepted", *, intake="postal", ret="postal", at=None, citizen=None, **fields):
    fields.setdefault("address", ADDRESS)
    return committed(
        make_dossier,
        state,
        at=at,
        officer=world.officer,
        citizen=citizen or CitizenFactory(),
        procedure=world.procedure,
        intake_channel=intake,
        return_channel=ret,
        **fields,
    )


STEPS = {
    "created": [],
    "assigned": ["assign"],
    "picked_up": ["assign", "pick_up"],
    "delivered": ["assign", "pick_up", "deliver"],
    "failed": ["assign", "fail"],
    "cancelled": ["cancel"],
}


def make_order(world, kind="pickup", state="created", *, at=None, breached=False, citizen=None) -> PostalOrder:
    """An order of `kind` reached through the dossier's events, then moved to `state` by the clerk."""

    def run():
        if kind == "pickup":
            dossier = postal_dossier(world, "accepted", intake="postal", ret="desk", citizen=citizen)
        else:
            dossier = postal_dossier(world, "completed", intake="online", ret="postal", citizen=citizen)
        order = PostalOrder.objects.get(dossier=dossier, kind=kind)
        for step in STEPS[state]:
            if step in ("fail", "cancel"):
                order = committed(getattr(services, step), order, world.clerk, "Không có người nhận")
            else:
                order = committed(getattr(services, step), order, world.clerk)
        return order

    if at is None:
        order = run()
    else:
        with time_machine.travel(at, tick=False):
            order = run()
    if breached:
        from postal.tasks import sweep_postal_sla

        with time_machine.travel(order.due_at, tick=False):
            committed(sweep_postal_sla)
    order.refresh_from_db()
    order.world = world
    return order


def make_client(province, webhook_url="", active=True, name="Bưu điện tỉnh"):
    token, secret = new_credentials()
    client = IntegrationClient.objects.create(
        name=name,
        province=province,
        token_hash=hash_token(token),
        webhook_url=webhook_url,
        webhook_secret=secret,
        active=active,
    )
    client.token = token
    return client


def now():
    return timezone.now()


__all__ = ["dossier_services"]
