"""The postal admin: tariffs (with the dates they apply from), orders (read only: every
change goes through services), the subsidy ledger, and the post office's clients. A
province admin manages their own province (portal.admin.ProvinceScopedAdmin)."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from portal.admin import ProvinceScopedAdmin, ReadOnly, ReadOnlyInline

from . import webhooks
from .auth import hash_token, new_credentials
from .models import IntegrationClient, PostalOrder, PostalOrderEvent, PostalTariff, SubsidyEntry, WebhookDelivery


@admin.register(PostalTariff)
class PostalTariffAdmin(ProvinceScopedAdmin):
    list_display = ["province", "leg", "zone", "amount", "valid_from"]
    list_filter = ["leg", "zone", "province"]
    date_hierarchy = "valid_from"
    search_fields = ["zone", "province__name"]
    ordering = ["province", "leg", "zone", "-valid_from"]


class EventInline(ReadOnlyInline):
    model = PostalOrderEvent
    fields = ["at", "action", "from_status", "to_status", "actor", "client", "note"]


class BreachedFilter(admin.SimpleListFilter):
    title = _l("quá hạn SLA")
    parameter_name = "breached"

    def lookups(self, request, model_admin):
        return [("yes", _l("quá hạn")), ("no", _l("không quá hạn"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(breached_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(breached_at__isnull=True)
        return queryset


@admin.register(PostalOrder)
class PostalOrderAdmin(ReadOnly, ProvinceScopedAdmin):
    list_display = [
        "tracking_code",
        "kind",
        "status",
        "dossier",
        "agency",
        "due_at",
        "breached_at",
        "fee",
        "fee_waived",
    ]
    list_filter = ["kind", "status", BreachedFilter, "sla_clock", "province"]
    search_fields = ["tracking_code", "dossier__code", "recipient_name"]
    date_hierarchy = "created_at"
    list_select_related = ["dossier", "agency"]
    inlines = [EventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(SubsidyEntry)
class SubsidyEntryAdmin(ReadOnly, ProvinceScopedAdmin):
    list_display = ["created_at", "order", "agency", "amount", "percent", "budget", "campaign_id"]
    list_filter = ["province", "budget"]
    search_fields = ["order__tracking_code", "order__dossier__code", "budget"]
    date_hierarchy = "created_at"
    list_select_related = ["order", "agency"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(IntegrationClient)
class IntegrationClientAdmin(ProvinceScopedAdmin):
    """A new client's token and webhook secret are shown once, in the message after saving."""

    list_display = ["name", "province", "webhook_url", "active", "created_at"]
    list_filter = ["active", "province"]
    search_fields = ["name"]
    fields = ["name", "province", "webhook_url", "active", "created_at"]
    readonly_fields = ["created_at"]
    actions = ["revoke_clients"]

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: deliveries and events keep pointing at it

    @admin.action(description=_l("Thu hồi quyền truy cập (ngừng gửi webhook ngay)"))
    def revoke_clients(self, request, queryset):
        cancelled = sum(webhooks.revoke(client) for client in queryset.filter(active=True))
        messages.success(request, _("Đã thu hồi; %(count)d webhook đang chờ đã huỷ.") % {"count": cancelled})

    def save_model(self, request, obj, form, change):
        if not change:
            token, secret = new_credentials()
            obj.token_hash = hash_token(token)
            obj.webhook_secret = secret
            super().save_model(request, obj, form, change)
            messages.warning(
                request,
                _("Mã truy cập (chỉ hiện một lần): %(token)s — khoá ký webhook: %(secret)s")
                % {"token": token, "secret": secret},
            )
            return
        super().save_model(request, obj, form, change)
        if "active" in form.changed_data and not obj.active:
            cancelled = webhooks.revoke(obj)
            messages.info(request, _("Đã thu hồi; %(count)d webhook đang chờ đã huỷ.") % {"count": cancelled})


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnly, ProvinceScopedAdmin):
    province_path = "client__province"
    list_display = ["created_at", "client", "event", "order", "state", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["state", "event"]
    search_fields = ["order__tracking_code"]
