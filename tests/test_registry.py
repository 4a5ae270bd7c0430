"""The one shape of the extension points (portal.registry.Registry) and that every app fills its
registries in AppConfig.ready()."""

import pytest

from portal.registry import Registry, UnknownPlugin


def test_entries_come_back_in_registration_order_and_a_second_registration_replaces_in_place():
    registry = Registry("test hook")
    registry.register("a", 1)
    registry.register("b", 2)
    registry.register("a", 3)
    assert list(registry) == [3, 2]
    assert registry.names() == ["a", "b"]
    assert registry["b"] == 2 and "a" in registry and "c" not in registry


def test_register_works_as_a_decorator():
    registry = Registry("test hook")

    @registry.register("hello")
    def hello():
        return "xin chào"

    assert registry["hello"] is hello and hello() == "xin chào"


def test_an_unknown_name_is_a_clear_error_naming_the_registry_and_what_it_holds():
    registry = Registry("payment provider")
    registry.register("demo", object)
    with pytest.raises(UnknownPlugin) as error:
        registry["vnpay"]
    assert str(error.value) == "payment provider: không có mục tên 'vnpay' (đã đăng ký: demo)"
    assert isinstance(error.value, LookupError)
    with pytest.raises(UnknownPlugin):
        registry.unregister("vnpay")
    with pytest.raises(ValueError):
        registry.register("", object)


def test_every_app_fills_the_registries_of_the_apps_below_it_at_start_up():
    from campaigns.policy import postal_fee_quoters
    from dossiers.payments.providers import DemoProvider, payment_providers
    from dossiers.plugins import legs_providers, zone_providers
    from portal.catalog_io import registered_sections
    from portal.views import channels_providers
    from postal import fees, policy_quote, tracking

    assert [section.name for section in registered_sections()] == [
        "provinces",
        "agencies",
        "desks",
        "procedures",
        "postal_tariffs",
        "staff",
        "calendar_overrides",
    ]
    assert postal_fee_quoters.items() == [("postal", policy_quote.quote)]
    assert legs_providers.items() == [("postal", tracking.legs)]
    assert zone_providers.items() == [("postal", fees.zone_choices)]
    assert channels_providers.names() == ["campaigns"]
    assert payment_providers["demo"] is DemoProvider


def test_an_unknown_payment_provider_is_refused(db):
    from dossiers.payments.service import UnknownProvider, get_provider, provider_label

    with pytest.raises(UnknownProvider):
        get_provider("khong-co")
    assert provider_label("khong-co") == "khong-co"
