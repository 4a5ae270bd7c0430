"""Load the demo data of every app (each app's optional `demo.py` with `load(stdout)`),
idempotently, and print the demo accounts. Safe to run again: it keeps what is there."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from portal.demo import DEMO_PASSWORD, accounts


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu (tỉnh, cơ quan, thủ tục, đợt áp dụng, tài khoản) và in các tài khoản mẫu."

    def handle(self, *args, **options):
        modules = []
        for config in apps.get_app_configs():
            name = f"{config.name}.demo"
            if find_spec(config.name) and find_spec(name):
                modules.append(import_module(name))
        modules.sort(key=lambda module: getattr(module, "ORDER", 100))
        self.stdout.write("Nạp dữ liệu mẫu…")
        for module in modules:
            with transaction.atomic():
                module.load(self.stdout)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Tài khoản mẫu (mật khẩu: {DEMO_PASSWORD}):"))
        for role, username in accounts():
            self.stdout.write(f"  {role:<15} {username}")
