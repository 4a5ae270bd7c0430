"""The demo data of the shared core: the seed provinces' catalog (from
portal/fixtures/demo_catalog.json through import_catalog), a superuser and a citizen.

The declaration forms of eight demo procedures (portal/fixtures/demo_forms.json, by procedure code, with the
fields of their official templates) are kept once and given to that procedure in every demo province."""

import copy
import json
from pathlib import Path

from django.utils import timezone

from .models import Agency, Role, User

DEMO_PASSWORD = "motcua-demo-2026"
# The demo citizen's personal identification number: the local identity provider (idp/demo.py) has a citizen
# with it, so signing in there as that person shows the linking of an existing password account.
DEMO_CITIZEN_NATIONAL_ID = "079090001234"
CATALOG_FILE = Path(__file__).resolve().parent / "fixtures" / "demo_catalog.json"
FORMS_FILE = Path(__file__).resolve().parent / "fixtures" / "demo_forms.json"
ORDER = 0


def forms():
    """{procedure code: form definition} of the demo forms."""
    return json.loads(FORMS_FILE.read_text(encoding="utf-8"))


def catalog():
    """The demo catalog with the demo forms given to their procedures."""
    data = json.loads(CATALOG_FILE.read_text(encoding="utf-8-sig"))
    definitions = forms()
    for record in data["procedures"]:
        if record["code"] in definitions:
            record["form"] = copy.deepcopy(definitions[record["code"]])
    return data


def load(stdout):
    from .catalog_io import CatalogImportError, import_catalog

    result = import_catalog(catalog(), base_dir=CATALOG_FILE.parent)
    if result.errors:
        raise CatalogImportError(result)
    stdout.write(f"  Danh mục: {result.summary()}")
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@motcua.local", DEMO_PASSWORD, full_name="Quản trị hệ thống")
    if not User.objects.filter(username="congdan").exists():
        # The demo citizen's phone counts as confirmed (as if the SMS code had been entered): the demo's
        # dossiers keep sending their SMS (to the log) at once. A citizen registered in the demo confirms theirs.
        citizen = User(
            username="congdan",
            full_name="Nguyễn Văn An",
            phone="0912345678",
            national_id=DEMO_CITIZEN_NATIONAL_ID,
            confirmed_phone="0912345678",
            phone_confirmed_at=timezone.now(),
            role=Role.CITIZEN,
        )
        citizen.set_password(DEMO_PASSWORD)
        citizen.save()
    User.objects.filter(username="congdan", national_id="").update(national_id=DEMO_CITIZEN_NATIONAL_ID)
    from .signing import ensure_agency_certificates

    created = ensure_agency_certificates(Agency.objects.select_related("province"))
    stdout.write(f"  Chữ ký số: {created} chứng thư số mẫu mới cho các cơ quan")


def accounts():
    """One demo account per role, for the banner `make run` prints."""
    rows = [("superuser", "admin")]
    rows.append((Role.CITIZEN.value, "congdan"))
    for role in (Role.OFFICER, Role.SPECIALIST, Role.HEAD, Role.POSTAL_CLERK, Role.PROVINCE_ADMIN):
        # Đồng Nai (75) first: the province of the seed plans a new user reads about first.
        users = User.objects.filter(role=role).order_by("username")
        user = users.filter(province__code="75").first() or users.first()
        if user:
            rows.append((role.value, user.username))
    return rows
