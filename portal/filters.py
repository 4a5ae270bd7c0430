"""Query-string filters shared by the apps' APIs.

`IsoDateTimeFilter`: django-filter's, but the moment is handed to the database in UTC.
Python accepts offsets up to ±23:59 (`2024-01-01T00:00:00-17:11`), PostgreSQL only up to
±15:59, so the stock filter turned such a query into a 500 (found by tests/test_api_fuzz.py);
a moment that cannot be expressed in UTC (year 1 at +07:00) is a 400."""

from datetime import UTC

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField


class UTCIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None or moment.tzinfo is None:
            return moment
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(_("Thời điểm nằm ngoài khoảng cho phép."), code="invalid")


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCIsoDateTimeField
