"""The row lock and `door.save` of issue 18: the lock reads the dossier's own row (its catalog rows from the cache,
its current step when asked for) and, for the API, within what the caller may see; `door.save` writes only the
columns a door changed, a JSON value changed in place and a file renamed in place included."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from dossiers import door
from dossiers.models import Dossier
from tests.clients import api_client
from tests.dossier_helpers import make_dossier
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def test_the_lock_reads_the_row_alone_and_gives_the_catalog_rows_without_a_statement():
    dossier = make_dossier("submitted")
    with transaction.atomic(), CaptureQueriesContext(connection) as statements:
        locked = door.lock(dossier)
        names = (locked.procedure.code, locked.desk.agency.code, locked.agency.code, locked.province.code)
    assert len(statements) == 1 and "JOIN" not in statements[0]["sql"] and "FOR UPDATE" in statements[0]["sql"]
    assert names == (
        dossier.procedure.code,
        dossier.desk.agency.code,
        dossier.agency.code,
        dossier.province.code,
    )


def test_a_named_dossier_outside_what_the_caller_may_see_is_not_found_and_not_locked():
    dossier = make_dossier("submitted")
    stranger = CitizenFactory()
    named = door.Visible(stranger, dossier.code)
    with transaction.atomic(), pytest.raises(Dossier.DoesNotExist):
        door.lock(named)
    assert not named.found
    # Through the API: a 404 whatever the body says (the body's 400 is not reached).
    answer = api_client(stranger).post(f"/api/v1/dossiers/{dossier.code}/refuse/", {"reason": ""}, format="json")
    assert answer.status_code == 404
    assert api_client(dossier.owner).post(f"/api/v1/dossiers/{dossier.code}/refuse/", {}).status_code in (400, 403)


def test_save_writes_the_changed_columns_a_json_value_changed_in_place_and_a_renamed_file():
    dossier = make_dossier("submitted", form_data={"a": {"b": 1}})
    with transaction.atomic():
        locked = door.lock(dossier)
        locked.form_data["a"]["b"] = 2  # in place: the remembered copy is not the same object
        locked.address = "Số 9 đường Võ Thị Sáu"
        with CaptureQueriesContext(connection) as statements:
            door.save(locked)
        update = next(q["sql"] for q in statements if q["sql"].startswith("UPDATE"))
        assert '"form_data"' in update and '"address"' in update and '"updated_at"' in update
        assert '"applicant_name"' not in update and '"code"' not in update
        locked.result_file.save("ket-qua.pdf", ContentFile(b"%PDF-1.4 ket qua"), save=False)  # renames in place
        door.save(locked)
    stored = Dossier.objects.get(pk=dossier.pk)
    assert stored.form_data == {"a": {"b": 2}} and stored.address == "Số 9 đường Võ Thị Sáu"
    assert stored.result_file.name and stored.result_file.name == locked.result_file.name
    assert stored.applicant_name == dossier.applicant_name
