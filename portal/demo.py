"""The demo data of the shared core: the seed provinces' catalog (from
portal/fixtures/demo_catalog.json through import_catalog), a superuser and a citizen."""

from pathlib import Path

from .models import Role, User

DEMO_PASSWORD = "motcua-demo-2026"
CATALOG_FILE = Path(__file__).resolve().parent / "fixtures" / "demo_catalog.json"
ORDER = 0


def load(stdout):
    from .catalog_io import load_catalog_file

    result = load_catalog_file(CATALOG_FILE)
    stdout.write(f"  Danh mục: {result.summary()}")
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@motcua.local", DEMO_PASSWORD, full_name="Quản trị hệ thống")
    if not User.objects.filter(username="congdan").exists():
        citizen = User(username="congdan", full_name="Nguyễn Văn An", phone="0912345678", role=Role.CITIZEN)
        citizen.set_password(DEMO_PASSWORD)
        citizen.save()


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
