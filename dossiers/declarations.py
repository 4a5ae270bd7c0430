"""A dossier's declaration (tờ khai điện tử) on the pages: the definition of the version a draft was made with,
the profile values a new declaration starts from (prefill), and the labelled lines a stored one is shown as
(portal/declaration.py builds the form and the lines; this module finds the rows they need).

Prefill: ``full_name``, ``national_id``, ``phone`` and ``email`` come from the account. The account has no
address, so ``address`` is the one the citizen last declared: the first address field marked
``"prefill": "address"`` in the citizen's latest dossier with a form that holds one (none for a first dossier).
The citizen can change every prefilled value; the officer's walk-in entry is never prefilled."""

import copy

from portal import declaration
from portal.models import ProcedureForm, Province

from .models import Dossier

RECENT = 5  # how many of the citizen's latest dossiers are searched for an address


# A published form version never changes (ProcedureForm: a new definition is a new version, a version row is never
# edited), so what a process has read of (procedure, version) stays true in every process and on every machine:
# it is kept here, bounded, with nothing to invalidate; each caller gets its own copy. This saves the create and
# the submit of a dossier with a form one statement each (issue 18). Tests forget it between tests, since their
# rolled-back transactions can hand a procedure id out again on SQLite.
_definitions = {}
KEPT_DEFINITIONS = 512


def definition_of(procedure_id, version, *, shared=False):
    """The definition of one version of a procedure's form; None for no form (version None). A copy of the
    caller's own, or with `shared` the one this process keeps, for a caller that only reads it (the validator,
    portal/eform.validate: a deep copy of a form cost a create or a submit ~0.5 ms, issue 18)."""
    if version is None:
        return None
    key = (procedure_id, version)
    definition = _definitions.get(key)
    if definition is None:
        forms = ProcedureForm.objects.filter(procedure_id=procedure_id, version=version)
        definition = forms.values_list("definition", flat=True).first()
        if definition is None:
            return None
        if len(_definitions) >= KEPT_DEFINITIONS:
            _definitions.clear()
        _definitions[key] = definition
    return definition if shared else copy.deepcopy(definition)


def forget_definitions():
    """Empty this process's copies (tests: a rolled-back procedure's id may come back with another form)."""
    _definitions.clear()


def provinces():
    """The province names the address's select offers: the catalog's provinces."""
    return list(Province.objects.order_by("name").values_list("name", flat=True))


def profile(user):
    """The values ``prefill`` takes for ``user`` (a citizen)."""
    return {
        "full_name": user.full_name,
        "national_id": user.national_id,
        "phone": user.phone,
        "email": user.email,
        "address": last_address(user),
    }


def last_address(user):
    """The address the citizen last declared in a field marked ``prefill: address``; None when there is none."""
    recent = (
        Dossier.objects.filter(owner_id=user.pk, form_version__isnull=False)
        .order_by("-created_at", "-id")
        .values_list("procedure_id", "form_version", "form_data")[:RECENT]
    )
    for procedure_id, version, data in recent:
        for path in declaration.prefill_paths(definition_of(procedure_id, version), "address"):
            value = _at(data, path)
            if isinstance(value, dict) and any(isinstance(v, str) and v.strip() for v in value.values()):
                return {k: v for k, v in value.items() if k in ("line", "ward", "district", "province")}
    return None


def _at(data, path):
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def lines_of(dossier):
    """The dossier's declaration as labelled lines with its version's labels ([] without a form)."""
    definition = definition_of(dossier.procedure_id, dossier.form_version)
    if definition is None:
        return []
    return declaration.shown(definition, dossier.form_data)
