"""The transition table run: `perform(action, dossier, actor, **data)` is the one way a dossier's
status changes, and `can(action, dossier, actor, now)` says, without side effects, whether
`perform` would let this person start it now.

A row of `workflow.TRANSITIONS` names who may act, the statuses it starts from, the status it
leads to and its guards: `when` (conditions of the dossier, asked by `can` and `perform`: an apology
only before the due moment, a supplement request once at intake, a dossier rated once) and `checks`
(what the request must bring, asked by `perform` only: the documents, the open channels, the fee
paid; they answer 400 with the field at fault, so a button stays and its form shows why). Guards
and effects (what is particular to an action: accept's snapshot and clock, complete's result file)
are small named functions registered here by `guards.py` and `actions.py` / `pauses.py`.

`perform` opens the transaction, locks the row, checks actor, source status, the claim (`door.check`:
an officer's or head's action fails while a colleague's claim is live) and the guards, applies
`Transition.target`, runs the effect, saves, writes the event row, runs the effect's `after`
(notices, domain events) and sends the domain events it raised, their receivers inside the transaction
with the dossier in hand (`door.send_pending`).

No door writes `Dossier.status` anywhere else. Two writes are the table's too: the `supplement` row's
target is None because its effect picks it (back to submitted at intake, to processing once received),
and `follow` applies a row that follows from another inside its transaction (a result held as it is
completed, released by a switch of return), checking the source status against the table. Campaign
rules (hold, release), the post (return on delivery) and the demo loader call the public steps, which
are `perform`; the system rows are done with actor None."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from portal.errors import Conflict, Forbidden, RuleError

from .. import door, workflow
from ..door import TransitionNotAllowed

GUARDS: dict[str, Callable] = {}
EFFECTS: dict[str, Effect] = {}


@dataclass
class Run:
    """One transition under way: what guards and effects read and write."""

    action: str
    dossier: Any
    actor: Any
    kind: str | None
    now: Any
    data: dict
    from_status: str = ""
    note: str = ""
    event: dict = field(default_factory=dict)
    facts: dict = field(default_factory=dict)  # what a guard found (the policy), for the effect
    result: Any = None  # what perform returns, when not the dossier


@dataclass(frozen=True)
class Effect:
    apply: Callable | None = None  # (run): mutate run.dossier, set run.note / run.event
    after: Callable | None = None  # (run): after the event row (notices, domain events, refunds)
    validate: Callable | None = None  # (data): the input alone, before the lock (400)


def guard(name):
    """Register a guard `fn(run)`: raises a refusal, or returns a fact the effect may use."""

    def register(fn):
        GUARDS[name] = fn
        return fn

    return register


def effect(action, *, after=None, validate=None):
    """Register `fn(run)` as what `action` does beyond the table's target status."""

    def register(fn):
        EFFECTS[action] = Effect(fn, after, validate)
        return fn

    return register


def verify():
    """Every guard a row names is registered (called once the services package is imported)."""
    missing = {n for t in workflow.TRANSITIONS.values() for n in (*t.when, *t.checks)} - set(GUARDS)
    if missing:
        raise ImproperlyConfigured(f"workflow guards without a function: {sorted(missing)}")


def can(action, dossier, actor, now=None):
    """Whether `actor` may start `action` on `dossier` now: actor, status, claim and the row's `when`
    guards, as `perform` asks them, without the lock and without side effects."""
    transition = workflow.TRANSITIONS[action]
    now = now or timezone.now()
    try:
        kind = door.check(transition.action, dossier, actor, now)
        run = Run(action, dossier, actor, kind, now, {}, dossier.status)
        for name in transition.when:
            GUARDS[name](run)
    except (RuleError, Conflict, Forbidden):
        return False
    return True


def actions_for(dossier, actor, now=None):
    """The table's actions `actor` may start on `dossier` now (the buttons)."""
    now = now or timezone.now()
    return [name for name in workflow.TRANSITIONS if can(name, dossier, actor, now)]


def perform(action, dossier, actor, **data):
    transition = workflow.TRANSITIONS[action]
    run_effect = EFFECTS.get(action, Effect())
    if run_effect.validate:
        run_effect.validate(data)
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.hold_events(dossier)
        now = timezone.now()
        kind = door.check(transition.action, dossier, actor, now)
        run = Run(action, dossier, actor, kind, now, data, dossier.status, note=data.get("note") or "")
        for name in (*transition.when, *transition.checks):
            run.facts[name] = GUARDS[name](run)
        if transition.target:
            dossier.status = transition.target
        if run_effect.apply:
            run_effect.apply(run)
        door.save(dossier)
        door.record(dossier, actor, action, run.from_status, run.note, **run.event)
        if run_effect.after:
            run_effect.after(run)
        door.send_pending(dossier)
    return dossier if run.result is None else run.result


def follow(dossier, actor, action, note, from_status=None):
    """A transition that follows from another inside its transaction (a completed result held at once,
    a held one released by a switch of return): the table must allow it from the status the dossier is
    in; who acts was checked by the transition it follows from."""
    transition = workflow.TRANSITIONS[action]
    from_status = from_status or dossier.status
    if from_status not in transition.sources:
        raise TransitionNotAllowed(action, from_status)
    dossier.status = transition.target
    door.save(dossier)
    door.record(dossier, actor, action, from_status, note)
    return dossier
