"""Dossier codes: `{unit}-{yymmdd}-{nnnn}`, e.g. 000.00.06.H56-231027-0361."""

from django.db import connection
from django.utils import timezone


def code_prefix(desk):
    """The unit part: the desk's agency code, or the desk's own code for a provincial
    centre that serves every agency. Desks sharing a prefix share its daily sequence."""
    return desk.agency.code if desk.agency_id else desk.code


def next_code(desk, at=None):
    """The daily sequence is one upserted row per prefix and day, incremented inside the
    caller's transaction: the row lock serialises concurrent callers, and a rollback takes
    the number back, so codes are unique and gap-free."""
    local = timezone.localtime(at or timezone.now())
    table = "dossiers_dossiersequence"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (prefix, day, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (prefix, day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [code_prefix(desk), local.date()],
        )
        number = cursor.fetchone()[0]
    return f"{code_prefix(desk)}-{local:%y%m%d}-{number:04d}"
