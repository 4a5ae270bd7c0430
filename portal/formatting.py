"""Formatting for people, one module for every page, print-out, message and template filter:
money in đồng (`format_vnd`, `format_fee`), the amount in words on a receipt (`amount_in_words`),
the catalog's processing time and online-service level. The template filters of
`portal/templatetags/motcua.py` (`vnd`, `fee`, `processing_time`, `level_label`) call these."""

from decimal import Decimal, InvalidOperation

from django.utils import formats
from django.utils.translation import gettext, ngettext

from .models import ProcessingUnit


def format_vnd(amount):
    """Amount in đồng, grouped by the active locale ("200.000 đ" in Vietnamese, "200,000 đ" in English)."""
    if amount is None or amount == "":
        return ""
    try:
        amount = int(Decimal(str(amount)))
    except (InvalidOperation, ValueError, TypeError):
        return str(amount)
    return f"{formats.number_format(amount, decimal_pos=0, force_grouping=True)} đ"


def format_fee(amount):
    """A fee: "Miễn phí" (free) for zero, else the amount in đồng."""
    if amount in (None, ""):
        return ""
    try:
        if Decimal(str(amount)) == 0:
            return gettext("Miễn phí")
    except (InvalidOperation, ValueError, TypeError):
        return str(amount)
    return format_vnd(amount)


def _number(value):
    """5.00 → "5"; 1.50 → "1,5" (locale decimal separator); returns (text, plural count)."""
    value = Decimal(str(value))
    if value == value.to_integral_value():
        count = int(value)
        return formats.number_format(count, decimal_pos=0, force_grouping=True), count
    normalized = value.normalize()
    places = max(0, -normalized.as_tuple().exponent)
    return formats.number_format(normalized, decimal_pos=places), 2


def format_processing_time(value, unit):
    """The catalog's processing time (thời hạn giải quyết) as citizens read it."""
    if unit == ProcessingUnit.SAME_DAY:
        return gettext("Trong ngày (nhận sau 15:00 trả ngày làm việc tiếp theo)")
    if value in (None, ""):
        return ""
    try:
        text, count = _number(value)
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
    if unit == ProcessingUnit.WORKING_HOURS:
        return ngettext("%(n)s giờ làm việc", "%(n)s giờ làm việc", count) % {"n": text}
    if unit == ProcessingUnit.WORKING_DAYS:
        return ngettext("%(n)s ngày làm việc", "%(n)s ngày làm việc", count) % {"n": text}
    return f"{text} {unit}"


LEVEL_LABELS = {
    1: lambda: gettext("Mức độ 1"),
    2: lambda: gettext("Mức độ 2"),
    3: lambda: gettext("Mức độ 3 – một phần"),
    4: lambda: gettext("Mức độ 4 – toàn trình"),
}


def format_level(level):
    """Online-service level (mức độ DVC trực tuyến) with its Decree 42/2022 name."""
    try:
        return LEVEL_LABELS[int(level)]()
    except (KeyError, TypeError, ValueError):
        return ""


# --- the amount in words (số tiền bằng chữ) ---------------------------------------------------


_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUPS = ("", "nghìn", "triệu", "tỷ", "nghìn tỷ", "triệu tỷ")


def _read_group(number, full):
    hundreds, tens, units = number // 100, number // 10 % 10, number % 10
    words = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and (hundreds or full):
            words.append("lẻ")
    elif tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if units:
        if units == 1 and tens > 1:
            words.append("mốt")
        elif units == 5 and tens:
            words.append("lăm")
        else:
            words.append(_DIGITS[units])
    return words


def amount_in_words(amount):
    """Số tiền bằng chữ, as Vietnamese receipts print it (Vietnamese whatever the UI language):
    200000 → "Hai trăm nghìn đồng"; 1005000 → "Một triệu không trăm lẻ năm nghìn đồng"."""
    amount = int(amount)
    if amount == 0:
        return "Không đồng"
    groups = []
    while amount:
        groups.append(amount % 1000)
        amount //= 1000
    words = []
    for index in range(len(groups) - 1, -1, -1):
        if groups[index] == 0:
            continue
        words += _read_group(groups[index], full=index != len(groups) - 1)
        if _GROUPS[index]:
            words.append(_GROUPS[index])
    text = " ".join(words)
    return f"{text[0].upper()}{text[1:]} đồng"
