"""The demo campaigns: the five seed rule sets (../shared/seeds) with their historic dates and
legal basis, plus a copy of the Tây Ninh rules in force around today, so that a new user sees
rules at work on the home page, the procedure pages, the queues and the ticket kiosk.

Loaded after the catalog (portal ORDER 0); a campaign whose province is missing is skipped,
one already there (same province and title) is kept. Each goes through the services (create,
activate, and for the historic open-ended ones an end at a recorded moment), so the audit
trail reads as if an admin had done it.

Demo assumptions, where the seeds are silent:
- Tây Ninh (from 30/3/2020, results held "until the epidemic is declared over") is one rule set
  in two campaigns, because a campaign has one scope: online-only intake for level 3/4
  procedures, and for every procedure the walk-in cap, postal-only return and held results.
  It and Khánh Hòa 2964 (from 1/4/2020, no end date) are ended at 23/4/2020 00:00, when the
  national social-distancing order (Chỉ thị 16/CT-TTg) was relaxed for most provinces; the
  record shows ends_at null at creation and the end as a later action.
- Tây Ninh's cap per half-day session is not in the article: 30 (20 in today's copy).
- Đồng Nai 3515: the post "proposes a reduced tariff"; the demo uses 50 %, paid from the
  admin-reform budget named in the plan.
"""

from datetime import date, timedelta

from django.utils import timezone

from portal.calendar import VN_TZ, vn
from portal.models import Province, Role, User

from . import services
from .models import Campaign

ORDER = 30
ALL = {"exclude_in_person_only": False}


DECLARED_OVER = vn(2020, 4, 23)
TAY_NINH_BASIS = "Kế hoạch phòng, chống dịch Covid-19 của UBND tỉnh Tây Ninh, áp dụng từ 30/3/2020"
TAY_NINH_ONLINE = {
    "scope": {"levels": [3, 4], "exclude_in_person_only": True},
    "rules": {
        "intake_channels": ["online"],
        "notice": (
            "Thủ tục hành chính mức độ 3, 4 (công bố theo Quyết định số 2132 ngày 02/10/2019 của Chủ tịch UBND "
            "tỉnh) chỉ tiếp nhận hồ sơ trực tuyến tại https://dichvucong.tayninh.gov.vn."
        ),
    },
}
TAY_NINH_QUEUE = {
    "scope": ALL,
    "rules": {
        "walk_in_capacity_per_session": 30,
        "return_channels": ["postal"],
        "hold_other_returns": True,
        "notice": (
            "Các thủ tục còn lại: khuyến khích gửi hồ sơ qua bưu chính công ích; nộp trực tiếp cần lấy số thứ tự, "
            "mỗi buổi tiếp nhận số hồ sơ có hạn. Kết quả chỉ trả qua bưu chính công ích; người không sử dụng dịch vụ "
            "bưu chính nhận kết quả sau khi công bố hết dịch."
        ),
    },
}

SEEDS = [
    {
        "province": "75",
        "title": "Đẩy mạnh ứng dụng dịch vụ bưu chính công ích trong cải cách hành chính đến năm 2020",
        "legal_basis": "Kế hoạch số 1106/KH-UBND ngày 21/6/2019 của Chủ tịch UBND tỉnh Đồng Nai",
        "starts_at": vn(2019, 6, 21),
        "ends_at": vn(2021, 1, 1),
        "scope": ALL,
        "rules": {
            "notice": (
                "Mục tiêu mỗi năm ít nhất 30% hồ sơ của các thủ tục được công bố qua bưu chính công ích được "
                "tiếp nhận, trả kết quả qua bưu chính. Bưu điện tiếp nhận và trả kết quả trọn gói tại địa chỉ: "
                "mang biểu mẫu, hướng dẫn, thu gom hồ sơ, thu phí, lệ phí, nộp cho cơ quan giải quyết và trả kết "
                "quả tại nhà; giá cước và quy trình được niêm yết tại Bộ phận Một cửa và điểm bưu điện."
            ),
        },
    },
    {
        "province": "75",
        "title": "Phòng, chống dịch COVID-19 tại Trung tâm Hành chính công tỉnh và Bộ phận Một cửa các cấp",
        "legal_basis": "Kế hoạch số 3515/KH-UBND ngày 31/3/2020 của UBND tỉnh Đồng Nai",
        "starts_at": vn(2020, 3, 30),
        "ends_at": vn(2020, 4, 30),
        "scope": ALL,
        "rules": {
            "postal_fee_waived_percent": 50,
            "subsidy_budget": "Kinh phí cải cách hành chính tỉnh Đồng Nai (KH 3515/KH-UBND)",
            "notice": (
                "Từ 30/3 đến 29/4/2020: khuyến khích nộp hồ sơ trực tuyến (mức độ 3, 4) và nhận kết quả qua bưu chính "
                "công ích; hạn chế giao dịch trực tiếp tại Trung tâm Hành chính công và Bộ phận Một cửa."
            ),
            "hotline": "0251-1022",
            "notify_on_start": True,
        },
    },
    {
        "province": "56",
        "title": "Biện pháp cấp bách phòng, chống dịch Covid-19 trong tiếp nhận, giải quyết thủ tục hành chính",
        "legal_basis": "Công văn số 2964/UBND-KSTT ngày 01/4/2020 của UBND tỉnh Khánh Hòa",
        "starts_at": vn(2020, 4, 1),
        "ends_at": None,
        "declared_over": DECLARED_OVER,
        "scope": ALL,
        # "tổng hợp danh sách ... gửi về Sở Thông tin và Truyền thông trước ngày 20/4/2020"
        "report_due": date(2020, 4, 20),
        "rules": {
            "open_online_and_postal": True,
            "postal_fee_waived_percent": 100,
            # "chưa thu cước phí đối với các hồ sơ này": the dossiers already filed and switched to the post.
            "postal_fee_waived_scope": "switched",
            "subsidy_budget": (
                "Nguồn cải cách hành chính tỉnh Khánh Hòa (CV 2964/UBND-KSTT; danh sách gửi Sở TT&TT trước 20/4/2020)"
            ),
            "pickup_sla_hours": 4,
            "return_sla_hours": 4,
            "clock_stop_until": "2020-04-15",
            "notify_on_start": True,
            "notice": (
                "Mọi thủ tục (trừ thủ tục buộc thực hiện trực tiếp) cho phép nộp hồ sơ trực tuyến, qua bưu chính công "
                "ích và thanh toán trực tuyến. Hồ sơ đã nộp có thể đăng ký nhận kết quả qua bưu chính, không thu cước. "
                "Thủ tục cần xác minh thực địa tạm dừng tính thời hạn đến hết ngày 15/4/2020."
            ),
        },
    },
    {
        "province": "44",
        "title": "Tạm ngừng tiếp nhận hồ sơ và trả kết quả trực tiếp trong thời gian giãn cách xã hội",
        "legal_basis": "Công văn số 1318/UBND-KSTT ngày 22/7/2021 của UBND tỉnh Quảng Bình",
        "starts_at": vn(2021, 7, 22),
        "ends_at": vn(2021, 8, 5),
        "scope": ALL,
        "rules": {
            "walk_in_suspended": True,
            "notify_on_start": True,
            "notice": (
                "Tạm ngừng tiếp nhận hồ sơ và trả kết quả trực tiếp tại Trung tâm Hành chính công tỉnh và Bộ phận Một "
                "cửa các cấp trong 14 ngày kể từ 22/7/2021, trừ hồ sơ đặc biệt, thực sự cấp thiết do thủ trưởng cơ "
                "quan có thẩm quyền quyết định. Vui lòng nộp hồ sơ trực tuyến hoặc qua bưu chính công ích; kết quả đã "
                "có được chuyển trả qua bưu chính."
            ),
        },
    },
    {
        "province": "72",
        "title": "Chỉ tiếp nhận hồ sơ trực tuyến đối với thủ tục mức độ 3, 4 (phòng, chống dịch Covid-19)",
        "legal_basis": TAY_NINH_BASIS,
        "starts_at": vn(2020, 3, 30),
        "ends_at": None,
        "declared_over": DECLARED_OVER,
        **TAY_NINH_ONLINE,
    },
    {
        "province": "72",
        "title": "Giới hạn hồ sơ trực tiếp mỗi buổi, trả kết quả qua bưu chính công ích (phòng, chống dịch Covid-19)",
        "legal_basis": TAY_NINH_BASIS,
        "starts_at": vn(2020, 3, 30),
        "ends_at": None,
        "declared_over": DECLARED_OVER,
        **TAY_NINH_QUEUE,
    },
]


def today_copies():
    """The Tây Ninh rule set again, in force from a week ago for two months."""
    start = timezone.localtime(timezone.now(), VN_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    start -= timedelta(days=7)
    queue = {"scope": ALL, "rules": {**TAY_NINH_QUEUE["rules"], "walk_in_capacity_per_session": 20}}
    return [
        {
            "province": "72",
            "title": "[Minh hoạ] " + seed["title"],
            "legal_basis": "Bản sao minh hoạ của " + TAY_NINH_BASIS,
            "starts_at": start,
            "ends_at": start + timedelta(days=67),
            **rules,
        }
        for seed, rules in zip(SEEDS[-2:], (TAY_NINH_ONLINE, queue), strict=True)
    ]


def load(stdout):
    created = 0
    for seed in [*SEEDS, *today_copies()]:
        province = Province.objects.filter(code=seed["province"]).first()
        if province is None or Campaign.objects.filter(province=province, title=seed["title"]).exists():
            continue
        admin = User.objects.filter(role=Role.PROVINCE_ADMIN, province=province).order_by("username").first()
        campaign = services.create_campaign(
            admin,
            province,
            title=seed["title"],
            legal_basis=seed["legal_basis"],
            starts_at=seed["starts_at"],
            ends_at=seed["ends_at"],
            scope=seed["scope"],
            rules=seed["rules"],
            report_due=seed.get("report_due"),
        )
        campaign = services.activate(campaign, admin)
        if seed.get("declared_over"):
            services.end(campaign, admin, "Công bố hết dịch (giả định của dữ liệu mẫu).", at=seed["declared_over"])
        created += 1
    stdout.write(f"  Đợt áp dụng biện pháp: {created} đợt mới, {Campaign.objects.count()} đợt tổng cộng")
