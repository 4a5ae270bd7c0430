"""Fixtures of the dossier page tests: an officer at a desk and a postal-eligible procedure there."""

import pytest

from tests.factories import OfficerFactory, ProcedureFactory


@pytest.fixture
def officer():
    return OfficerFactory()


@pytest.fixture
def procedure(officer):
    return ProcedureFactory(
        province=officer.desk.province,
        agency=officer.desk.agency,
        postal=True,
        fee=200000,
        documents=[
            {"code": "TK", "name": "Tờ khai đăng ký"},
            {"code": "CCCD", "name": "Bản sao căn cước"},
            {"code": "ANH", "name": "Ảnh chân dung", "required": False},
        ],
    )
