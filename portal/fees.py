"""Phí, lệ phí theo đối tượng (api.md ``fees``): a procedure's applicant groups as plain values, and the one rule
set for them (`problems`), which the catalog import (in English) and the admin (in Vietnamese) both apply.

A procedure without `ProcedureFee` rows has one group, ``default``, at its ``fee``; with rows, a ``default`` row
is among them and its amount is the ``fee`` (``fee`` stays the default group's amount). Another group may name a
proof document (a code of the procedure's documents), required for a dossier of that group."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import DEFAULT_FEE_GROUP


@dataclass(frozen=True)
class FeeGroup:
    group: str
    label: str
    amount: int
    proof_document: str = ""

    @property
    def is_default(self):
        return self.group == DEFAULT_FEE_GROUP

    def as_api(self):
        row = {"group": self.group, "label": self.label, "amount": self.amount}
        if self.proof_document:
            row["proof_document"] = self.proof_document
        return row


def default_label():
    return _("Mức thu chung")


def of_row(row):
    return FeeGroup(row.group, row.label, row.amount, row.proof_document or "")


def groups_of(procedure):
    """Every group of `procedure`, the default first (reads `procedure.fee_groups.all()`: prefetch it for a list).
    Without rows: the one ``default`` group at the procedure's ``fee``."""
    rows = sorted(procedure.fee_groups.all(), key=lambda row: (row.group != DEFAULT_FEE_GROUP, row.order, row.pk))
    if not rows:
        return [FeeGroup(DEFAULT_FEE_GROUP, default_label(), procedure.fee or 0)]
    return [of_row(row) for row in rows]


def group_of(procedure, group):
    """The group `group` of `procedure`, or None when it has no such group. The default group is known without a
    query (its amount is the procedure's fee); another one reads its row."""
    if group == DEFAULT_FEE_GROUP:
        return FeeGroup(DEFAULT_FEE_GROUP, "", procedure.fee or 0)
    row = procedure.fee_groups.filter(group=group).first() if group else None
    return of_row(row) if row is not None else None


def problems(fee, groups, document_codes):
    """What is wrong with `groups` ([{"group", "amount", "proof_document"}], in order) for a procedure whose fee
    is `fee` and whose documents have `document_codes`: a list of (index or None, field, kind, values), empty
    when they are right. An empty list of groups is right (the procedure has the default group only)."""
    found, seen = [], {}
    for index, row in enumerate(groups):
        group = row.get("group")
        if group in seen:
            found.append((index, "group", "duplicate", {"group": group, "first": seen[group]}))
        elif group:
            seen[group] = index
        proof = row.get("proof_document") or ""
        if proof and proof not in document_codes:
            found.append((index, "proof_document", "unknown_document", {"code": proof}))
        if group == DEFAULT_FEE_GROUP:
            if proof:
                found.append((index, "proof_document", "default_proof", {}))
            amount = row.get("amount")
            if amount is not None and fee is not None and amount != fee:
                found.append((index, "amount", "default_amount", {"amount": amount, "fee": fee}))
    if groups and DEFAULT_FEE_GROUP not in seen:
        found.append((None, "fees", "no_default", {}))
    return found


def problem_text(kind, values):
    """A problem of `problems` in Vietnamese (the admin's words)."""
    messages = {
        "duplicate": _("Mã đối tượng “%(group)s” bị trùng."),
        "unknown_document": _("“%(code)s” không phải mã một thành phần hồ sơ của thủ tục."),
        "default_proof": _("Đối tượng chung (default) không cần giấy tờ chứng minh."),
        "default_amount": _(
            "Mức thu của đối tượng chung (%(amount)s đồng) phải bằng phí, lệ phí của thủ tục (%(fee)s đồng)."
        ),
        "no_default": _("Cần có đối tượng chung, mã “default”, với mức thu bằng phí, lệ phí của thủ tục."),
    }
    return messages[kind] % values
