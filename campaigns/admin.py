"""Django admin for campaigns (read-mostly: changes go through the province admin's pages
and the API, which audit them); history from django-simple-history."""

from django.contrib import admin

from portal.admin import ProvinceScopedAdmin, ProvinceScopedHistoryAdmin

from .models import Campaign, CampaignEvent, QueueTicket


class CampaignEventInline(admin.TabularInline):
    model = CampaignEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor", "action", "from_status", "to_status", "note", "changes"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(ProvinceScopedHistoryAdmin):
    list_display = ["title", "province", "legal_basis", "starts_at", "ends_at", "status"]
    list_filter = ["status", "province"]
    search_fields = ["title", "legal_basis"]
    readonly_fields = ["status", "start_effects_at", "end_effects_at", "created_by", "created_at", "updated_at"]
    inlines = [CampaignEventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(QueueTicket)
class QueueTicketAdmin(ProvinceScopedAdmin):
    province_path = "desk__province"
    list_display = ["number", "desk", "date", "session", "full_name", "state"]
    list_filter = ["session", "state"]
    date_hierarchy = "date"

    def has_change_permission(self, request, obj=None):
        return False
