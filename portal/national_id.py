"""The personal identification number (số định danh cá nhân, the 12 digits of the chip-based citizen ID card),
checked for its shape as Circular 59/2021/TT-BCA (art. 7) lays it out: no database, no clock of its own.

    PPP G YY RRRRRR
    PPP     the code of the province (or centrally run city) where the citizen's birth was registered
            (annex of the circular: the 63 codes below, 001 Hà Nội … 096 Cà Mau);
    G       the century of birth and the sex: 0/1 the 20th century (male/female), 2/3 the 21st, 4/5 the 22nd,
            6/7 the 23rd, 8/9 the 24th;
    YY      the last two digits of the year of birth;
    RRRRRR  a random number.

Which checks, and why:
- 12 ASCII digits, nothing else (a 9-digit old CMND is not a personal identification number; spaces or dots
  a person may type are for the page to strip, not for the validator to guess);
- the province code is one of the circular's 63 (a typo in the first three digits is the commonest slip, and
  this catches most of them);
- the century digit and the two year digits make a year of birth that is not in the future (`today`, the
  one clock, passed in): G 4–9 (born from 2100) can never be right today, and 2/3 with YY after this year
  neither. The sex digit is not compared with a sex field of the form: that is a cross-field rule of one
  procedure, not of the number.
- Not checked: the six random digits (there is no public check digit) and whether the number exists (only
  the national population database knows; the identity platform is for later, api.md "Identity").
"""

from datetime import date

# Annex of Circular 59/2021/TT-BCA: the birth-registration province codes of the personal identification number.
PROVINCE_CODES = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "Thành phố Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

SHAPE, PROVINCE, CENTURY = "shape", "province", "century"


def birth_year(number):
    """The year of birth the number states (century digit and two year digits); None when not 12 digits."""
    if not is_digits(number, 12):
        return None
    century = 1900 + 100 * (int(number[3]) // 2)
    return century + int(number[4:6])


def is_digits(text, length):
    return isinstance(text, str) and len(text) == length and text.isascii() and text.isdigit()


def problem(number, today: date):
    """None for a number of the right shape, else what is wrong: SHAPE (not 12 digits), PROVINCE (no such
    birth-registration province code) or CENTURY (the century digit and year make a birth in the future)."""
    if not is_digits(number, 12):
        return SHAPE
    if number[:3] not in PROVINCE_CODES:
        return PROVINCE
    if birth_year(number) > today.year:
        return CENTURY
    return None
