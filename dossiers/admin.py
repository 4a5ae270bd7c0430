"""Read-only admin pages for dossiers and their payments: every state change goes through
dossiers/services/ (and the officer pages), never through a model form, so the admin is
for looking things up (by code, phone, receipt number) across a province."""

from django.contrib import admin

from portal.admin import ProvinceScopedAdmin, ReadOnly, ReadOnlyInline

from .models import Dossier, DossierEvent, ExceptionRequest, Payment


class DossierEventInline(ReadOnlyInline):
    model = DossierEvent
    fields = ("at", "action", "from_status", "to_status", "actor", "note")


class ExceptionRequestInline(ReadOnlyInline):
    """Urgent-exception requests: read here, decided only by a head (dossiers/services/exceptions.py)."""

    model = ExceptionRequest
    fk_name = "dossier"
    fields = ("requested_at", "requested_by", "reason", "state", "decided_by", "decided_at", "decision_note")


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("reference", "provider", "amount", "status", "paid_at", "receipt_number", "refunded_at")


@admin.register(Dossier)
class DossierAdmin(ReadOnly, ProvinceScopedAdmin):
    list_display = ("code", "procedure", "status", "intake_channel", "return_channel", "received_at", "due_at")
    list_filter = ("status", "intake_channel", "return_channel", "timeliness", "province")
    search_fields = ("code", "applicant_name", "applicant_phone", "procedure__code")
    date_hierarchy = "received_at"
    list_select_related = ("procedure",)
    inlines = [DossierEventInline, ExceptionRequestInline, PaymentInline]
    show_full_result_count = False  # the count of a million-row table is not worth a sequential scan


@admin.register(Payment)
class PaymentAdmin(ReadOnly, ProvinceScopedAdmin):
    province_path = "dossier__province"
    list_display = ("reference", "dossier", "provider", "amount", "status", "paid_at", "receipt_number")
    list_filter = ("status", "provider")
    search_fields = ("reference", "transaction_id", "receipt_number", "dossier__code")
    list_select_related = ("dossier",)
