"""A published form version is read once per process (dossiers/declarations.py): a later read costs no statement,
hands out its own copy (a caller changing it changes nobody else's form), and a new version is a new key, so new
drafts see it at once while the drafts of before keep theirs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers.declarations import definition_of
from portal.models import ProcedureForm
from tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db

FIRST = {"fields": [{"key": "ho_ten", "label": "Họ, chữ đệm, tên", "type": "text", "required": True}]}
SECOND = {"fields": [{"key": "ho_ten", "label": "Họ và tên", "type": "text", "required": True}]}


def test_a_version_is_read_once_copied_out_and_a_new_version_is_seen_at_once():
    procedure = ProcedureFactory()
    ProcedureForm.publish(procedure, FIRST)
    assert definition_of(procedure.pk, 1) == FIRST
    with CaptureQueriesContext(connection) as again:
        mine = definition_of(procedure.pk, 1)
    assert len(again) == 0 and mine == FIRST
    mine["fields"][0]["label"] = "đã sửa"  # a caller's own copy
    assert definition_of(procedure.pk, 1)["fields"][0]["label"] == "Họ, chữ đệm, tên"

    ProcedureForm.publish(procedure, SECOND)
    procedure.refresh_from_db()
    assert procedure.form_version == 2
    assert definition_of(procedure.pk, procedure.form_version)["fields"][0]["label"] == "Họ và tên"
    assert definition_of(procedure.pk, 1) == FIRST  # the drafts made with version 1 keep it
    assert definition_of(procedure.pk, None) is None and definition_of(procedure.pk, 9) is None
