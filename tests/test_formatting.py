"""portal.formatting: the one home of money and amount-in-words formatting (issue 14)."""

import pytest
from django.utils import translation

from portal.formatting import amount_in_words, format_fee, format_vnd
from tests.factories import ProvinceFactory
from tests.postal_factories import PostalTariffFactory


def test_money_reads_the_same_in_every_place_that_shows_it():
    from dossiers.payments import service as payments
    from portal.templatetags import motcua

    with translation.override("vi"):
        assert format_vnd(1250000) == "1.250.000 đ" == motcua.vnd(1250000)
        assert format_fee(0) == "Miễn phí" == motcua.fee(0)
    assert payments.amount_in_words is amount_in_words
    assert amount_in_words(1250000) == "Một triệu hai trăm năm mươi nghìn đồng"


@pytest.mark.django_db
def test_a_tariff_in_the_admin_reads_its_amount_grouped_as_vietnamese_writes_it():
    tariff = PostalTariffFactory(province=ProvinceFactory(), amount=22000, zone="default")
    with translation.override("vi"):
        assert str(tariff).endswith(": 22.000 đ")
