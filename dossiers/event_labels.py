"""What every page calls a dossier event: one mapping from the `action` of a DossierEvent to its
Vietnamese label (the timeline of the citizen's and the officer's pages, the tracking page, the
printables). The transitions carry their own labels (workflow.TRANSITIONS); the events that are not
transitions are named here, including those higher apps write through services.record_event
(postal, campaigns) and the online payment's. An action nobody named still reads as Vietnamese."""

from django.utils.translation import gettext_lazy, pgettext_lazy

from . import workflow

OTHER_EVENTS = {
    "create": gettext_lazy("Tạo hồ sơ"),
    "hold": gettext_lazy("Lưu giữ kết quả"),
    "release": gettext_lazy("Giải phóng kết quả lưu giữ"),
    "due_soon": gettext_lazy("Cảnh báo sắp đến hạn"),
    "overdue": gettext_lazy("Cảnh báo quá hạn"),
    "grant_exception": gettext_lazy("Cho phép trường hợp khẩn cấp"),
    "request_exception": pgettext_lazy("sự kiện", "Đề nghị trường hợp khẩn cấp"),  # the page title has no context
    "decline_exception": gettext_lazy("Không duyệt trường hợp khẩn cấp"),
    "return": gettext_lazy("Trả kết quả"),
    "supplement_upload": gettext_lazy("Tải lên giấy tờ bổ sung"),
    "supplement_remove": gettext_lazy("Xoá tệp bổ sung chưa gửi"),
    # the citizen's document store (dossiers/services/store.py)
    "reuse_document": gettext_lazy("Dùng lại giấy tờ từ kho"),
    # written by the postal app
    "postal_order": gettext_lazy("Tạo đơn bưu chính công ích"),
    "postal_delivered": gettext_lazy("Bưu điện đã phát"),
    "postal_handover": gettext_lazy("Giao nhận hồ sơ với bưu điện"),
    # written by a campaign rule
    "campaign_clock_stop": gettext_lazy("Dừng tính thời hạn theo đợt áp dụng biện pháp"),
    # the online payment (dossiers/payments/service.py)
    "payment_start": gettext_lazy("Bắt đầu thanh toán trực tuyến"),
    "payment_paid": gettext_lazy("Đã thanh toán phí, lệ phí"),
    "payment_failed": gettext_lazy("Thanh toán không thành công"),
    "payment_refunded": gettext_lazy("Hoàn tiền phí, lệ phí"),
}

UNNAMED = gettext_lazy("Cập nhật hồ sơ")


def event_label(action):
    """The Vietnamese label of a dossier event's action."""
    if action in OTHER_EVENTS:
        return OTHER_EVENTS[action]
    transition = workflow.TRANSITIONS.get(action)
    return transition.label if transition else UNNAMED
