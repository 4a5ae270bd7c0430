"""factory_boy factories of the shared core: the catalog and the accounts of every role.

    ProcedureFactory()                          level 3, 5 working days, free, 2 documents
    ProcedureFactory(documents=0)               no documents
    ProcedureFactory(documents=[{"name": "Tờ khai", "form": "original"}])
    ProcedureFactory(same_day=True) / (hours=8) / (full_online=True) / (postal=True) / (in_person=True)
    OfficerFactory()                            an officer with a desk (and so a province)
    CitizenFactory(password="...")              every user's default password is DEFAULT_PASSWORD

Related rows follow the parent's province: `ProcedureFactory(province=p)` gives an agency of p.
"""

from decimal import Decimal
from functools import cache

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from portal.models import Agency, OneStopDesk, Procedure, ProcessingUnit, Province, RequiredDocument, Role, User

DEFAULT_PASSWORD = "Motcua-thu-2024!"


@cache
def _hashed(raw):
    # Hashing is slow on purpose; tests create many users with the same password.
    return make_password(raw)


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Sequence(lambda n: f"Tỉnh Thử Nghiệm {n}")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"000.00.{n:02d}.H99")
    province = factory.SubFactory(ProvinceFactory)
    name = factory.Sequence(lambda n: f"Sở Tư pháp số {n}")
    level = Agency.Level.PROVINCE

    class Params:
        district = factory.Trait(level=Agency.Level.DISTRICT, name=factory.Sequence(lambda n: f"UBND huyện số {n}"))
        commune = factory.Trait(level=Agency.Level.COMMUNE, name=factory.Sequence(lambda n: f"UBND xã số {n}"))


class OneStopDeskFactory(factory.django.DjangoModelFactory):
    """A desk of one agency; `centre=True` gives the province's public-administration centre (no agency)."""

    class Meta:
        model = OneStopDesk
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"BPMC-{n:03d}")
    province = factory.SubFactory(ProvinceFactory)
    agency = factory.SubFactory(AgencyFactory, province=factory.SelfAttribute("..province"))
    name = factory.Sequence(lambda n: f"Bộ phận Một cửa số {n}")
    address = "01 Đường Cách Mạng Tháng Tám"
    phone = "02763822000"

    class Params:
        centre = factory.Trait(agency=None, name="Trung tâm Phục vụ hành chính công tỉnh")


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    procedure = factory.SubFactory("tests.factories.ProcedureFactory", documents=0)
    code = factory.Sequence(lambda n: f"TP{n:04d}")
    name = factory.Sequence(lambda n: f"Giấy tờ số {n}")
    required = True
    form = RequiredDocument.Form.ORIGINAL
    copies = 1
    order = factory.Sequence(lambda n: n)


class ProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Procedure
        skip_postgeneration_save = True

    province = factory.SubFactory(ProvinceFactory)
    agency = factory.SubFactory(AgencyFactory, province=factory.SelfAttribute("..province"))
    code = factory.Sequence(lambda n: f"9.{n:06d}")
    name = factory.Sequence(lambda n: f"Thủ tục thử nghiệm số {n}")
    sector = "Hộ tịch"
    level = 3
    processing_time_value = Decimal(5)
    processing_time_unit = ProcessingUnit.WORKING_DAYS
    fee = 0
    result = "Giấy chứng nhận"
    legal_basis = "Nghị định 61/2018/NĐ-CP; Nghị định 107/2021/NĐ-CP."
    active = True

    class Params:
        same_day = factory.Trait(processing_time_value=Decimal(0), processing_time_unit=ProcessingUnit.SAME_DAY)
        hours = factory.Trait(processing_time_value=Decimal(8), processing_time_unit=ProcessingUnit.WORKING_HOURS)
        full_online = factory.Trait(level=4)
        postal = factory.Trait(postal_intake=True, postal_return=True)
        in_person = factory.Trait(in_person_only=True)

    @factory.post_generation
    def documents(self, create, extracted, **kwargs):
        """`documents=N` (default 2) makes N documents; a list of dicts makes one each."""
        if not create:
            return
        if isinstance(extracted, list | tuple):
            specs = list(extracted)
        else:
            specs = [{}] * (2 if extracted is None else int(extracted))
        for order, spec in enumerate(specs):
            RequiredDocumentFactory(procedure=self, order=order, **{**kwargs, **spec})


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"nguoidung{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    first_name = factory.SelfAttribute("full_name")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    phone = factory.Sequence(lambda n: f"09{n:08d}")
    # Confirmed by default (as the demo citizen's): pass confirmed_phone="" for an unconfirmed phone.
    confirmed_phone = factory.SelfAttribute("phone")
    phone_confirmed_at = factory.LazyFunction(timezone.now)
    password = factory.django.Password(DEFAULT_PASSWORD, transform=_hashed)
    role = Role.CITIZEN


class CitizenFactory(UserFactory):
    username = factory.Sequence(lambda n: f"congdan{n}")
    role = Role.CITIZEN


class OfficerFactory(UserFactory):
    """Cán bộ Bộ phận Một cửa: scoped to a desk (the province follows)."""

    username = factory.Sequence(lambda n: f"canbo{n}")
    role = Role.OFFICER
    desk = factory.SubFactory(OneStopDeskFactory)


class HeadFactory(UserFactory):
    """Lãnh đạo cơ quan: scoped to an agency (the province follows)."""

    username = factory.Sequence(lambda n: f"lanhdao{n}")
    role = Role.HEAD
    agency = factory.SubFactory(AgencyFactory)


class SpecialistFactory(UserFactory):
    """Chuyên viên: works the steps of the internal process at an agency (the province follows)."""

    username = factory.Sequence(lambda n: f"chuyenvien{n}")
    role = Role.SPECIALIST
    agency = factory.SubFactory(AgencyFactory)


class PostalClerkFactory(UserFactory):
    username = factory.Sequence(lambda n: f"buudien{n}")
    role = Role.POSTAL_CLERK
    province = factory.SubFactory(ProvinceFactory)


class ProvinceAdminFactory(UserFactory):
    username = factory.Sequence(lambda n: f"quantri{n}")
    role = Role.PROVINCE_ADMIN
    province = factory.SubFactory(ProvinceFactory)
