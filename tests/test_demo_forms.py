"""The demo's declaration forms (issue 16, "Demo"): `load_demo` gives eight demo procedures, in every demo
province, the form of their official template (kept once in portal/fixtures/demo_forms.json); each passes the
definition's own check; the demo dossiers of those procedures carry a complete declaration that passes the
validator, so an officer opening them sees a declaration."""

import io

import pytest
from django.core.management import call_command

from dossiers.models import Dossier
from portal import demo as portal_demo
from portal.eform import definition_errors, validate
from portal.models import Procedure, ProcedureForm

pytestmark = pytest.mark.django_db

CODES = {"1.001193", "1.000894", "2.000488", "1.001612", "1.004222", "2.000815", "1.000656", "1.009794"}


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", stdout=io.StringIO())


def test_the_eight_forms_are_valid_definitions_with_a_title():
    forms = portal_demo.forms()
    assert set(forms) == CODES
    for code, definition in forms.items():
        assert definition_errors(definition) == [], code
        assert definition["title"].lower().startswith(("tờ khai", "giấy đề nghị", "đơn đề nghị", "phiếu yêu cầu"))


def test_every_demo_province_has_the_eight_forms_and_the_demo_dossiers_valid_declarations(demo):
    with_forms = Procedure.objects.filter(form_version__isnull=False)
    provinces = set(Procedure.objects.values_list("province__code", flat=True))
    assert set(with_forms.values_list("province__code", "code")) == {(p, c) for p in provinces for c in CODES}
    assert ProcedureForm.objects.count() == len(CODES) * len(provinces)

    dossiers = Dossier.objects.filter(form_version__isnull=False).select_related("procedure")
    assert dossiers.count() >= 5
    assert {"2.000488", "1.009794"} <= {d.procedure.code for d in dossiers}
    for dossier in dossiers:
        definition = ProcedureForm.objects.get(procedure=dossier.procedure, version=dossier.form_version).definition
        assert validate(definition, dossier.form_data, complete=True) == {}, dossier.code

    # Loading again changes nothing.
    call_command("load_demo", stdout=io.StringIO())
    assert ProcedureForm.objects.count() == len(CODES) * len(provinces)
