"""The one door for every change of a dossier, by concept: `actions` (draft, submission and the
officer's steps), `pauses` (clock stops and the apology), `exceptions` (urgent exceptions a head
grants), `uploads` (documents and the result file), `claims` (an officer's lease on a dossier). They
all stand on `dossiers.door` (the refusals, the row lock, the transition check, the event row, the
domain events), which payments share too.

Callers in other apps and the tests use this package's public names: `services.accept(...)`."""

from ..door import (
    ClaimTaken,
    DossierError,
    FormDataError,
    NotPermitted,
    TransitionNotAllowed,
    actor_kind,
    has_exception,
    no_permission,
)
from . import claims, guards, uploads  # guards: registers the functions the table's rows name
from .actions import (
    accept,
    check_channels,
    check_form_data,
    complete,
    create_draft,
    desk_serves,
    hold_result,
    lacks_documents,
    missing_documents,
    process,
    rate,
    record_event,
    refuse,
    release_held,
    request_supplement,
    require_documents,
    return_result,
    submit,
    supplement,
    switch_return,
    update_draft,
    withdraw,
)
from .exceptions import AlreadyDecided, DossierClosed, approve_exception, decline_exception, grant_exception
from .pauses import apologize, pause, recompute_clock, resume
from .perform import actions_for, can, perform, verify
from .steps import forward, send_back

verify()

__all__ = [
    "AlreadyDecided",
    "ClaimTaken",
    "DossierClosed",
    "DossierError",
    "FormDataError",
    "NotPermitted",
    "TransitionNotAllowed",
    "accept",
    "actions_for",
    "actor_kind",
    "apologize",
    "approve_exception",
    "can",
    "check_channels",
    "check_form_data",
    "claims",
    "complete",
    "create_draft",
    "decline_exception",
    "desk_serves",
    "forward",
    "grant_exception",
    "guards",
    "has_exception",
    "hold_result",
    "lacks_documents",
    "missing_documents",
    "no_permission",
    "pause",
    "perform",
    "process",
    "rate",
    "recompute_clock",
    "record_event",
    "refuse",
    "release_held",
    "request_supplement",
    "require_documents",
    "resume",
    "return_result",
    "send_back",
    "submit",
    "supplement",
    "switch_return",
    "update_draft",
    "uploads",
    "withdraw",
]
