"""Admin pages for the catalog, the calendar and accounts. A province admin sees and
edits only their own province's records; the superuser sees everything."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Agency, CalendarOverride, OneStopDesk, Procedure, Province, RequiredDocument, Role, User

admin.site.site_header = _("motcua – quản trị")
admin.site.site_title = _("motcua")


class ReadOnly:
    """Rows written by the services only: viewable, never added, edited or deleted here."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnly, admin.TabularInline):
    """A read-only inline: its `fields`, shown and never changed."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class ProvinceScopedAdmin(admin.ModelAdmin):
    """Limit rows and foreign-key choices to the province of a province admin."""

    province_path = "province"

    def _province(self, request):
        user = request.user
        if user.is_superuser:
            return None
        return user.province_id if user.role == Role.PROVINCE_ADMIN else -1

    def _is_province_admin(self, request):
        user = request.user
        return user.is_active and user.role == Role.PROVINCE_ADMIN and user.province_id is not None

    # A province admin manages their own province's records without Django permission rows;
    # the queryset below keeps them inside it.
    def has_module_permission(self, request):
        return self._is_province_admin(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._is_province_admin(request) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._is_province_admin(request) or super().has_change_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self._is_province_admin(request) or super().has_add_permission(request, *args)

    def has_delete_permission(self, request, obj=None):
        return self._is_province_admin(request) or super().has_delete_permission(request, obj)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        province = self._province(request)
        return queryset if province is None else queryset.filter(**{f"{self.province_path}_id": province})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        province = self._province(request)
        if province is not None:
            model = db_field.remote_field.model
            if model is Province:
                kwargs["queryset"] = Province.objects.filter(pk=province)
            elif model in (Agency, OneStopDesk):
                kwargs["queryset"] = model.objects.filter(province_id=province)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "postal_sla_clock_hours"]
    search_fields = ["code", "name"]


@admin.register(Agency)
class AgencyAdmin(ProvinceScopedAdmin):
    list_display = ["code", "name", "level", "province", "parent"]
    list_filter = ["province", "level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(OneStopDesk)
class OneStopDeskAdmin(ProvinceScopedAdmin):
    list_display = ["code", "name", "province", "agency", "morning_opens", "afternoon_closes"]
    list_filter = ["province"]
    search_fields = ["code", "name", "address"]


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0
    fields = ["order", "code", "name", "required", "form", "copies"]

    # The parent procedure's admin already scoped the province admin to their province.
    def has_view_permission(self, request, obj=None):
        return request.user.role == Role.PROVINCE_ADMIN or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return request.user.role == Role.PROVINCE_ADMIN or super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return request.user.role == Role.PROVINCE_ADMIN or super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.role == Role.PROVINCE_ADMIN or super().has_delete_permission(request, obj)


@admin.register(Procedure)
class ProcedureAdmin(ProvinceScopedAdmin, SimpleHistoryAdmin):
    list_display = [
        "code",
        "name",
        "province",
        "agency",
        "level",
        "processing_time_value",
        "processing_time_unit",
        "fee",
    ]
    list_filter = ["province", "level", "sector", "processing_time_unit", "postal_intake", "postal_return", "active"]
    search_fields = ["code", "name", "sector"]
    list_select_related = ["province", "agency"]
    inlines = [RequiredDocumentInline]
    fieldsets = [
        (None, {"fields": ["province", "code", "name", "sector", "agency", "level", "active"]}),
        (_("Thời hạn và phí"), {"fields": ["processing_time_value", "processing_time_unit", "fee", "fee_note"]}),
        (
            _("Cách thức thực hiện"),
            {"fields": ["postal_intake", "postal_return", "in_person_only", "field_verification"]},
        ),
        (_("Kết quả và căn cứ"), {"fields": ["result", "legal_basis"]}),
    ]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(ProvinceScopedAdmin, SimpleHistoryAdmin):
    list_display = ["date", "kind", "province", "note"]
    list_filter = ["province", "kind"]
    date_hierarchy = "date"


@admin.register(User)
class UserAdmin(ProvinceScopedAdmin, DjangoUserAdmin):
    list_display = ["username", "full_name", "role", "province", "desk", "agency", "is_active"]
    list_filter = ["role", "province", "is_active"]
    search_fields = ["username", "full_name", "phone", "email", "national_id"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (
            _("Vai trò và phạm vi"),
            {"fields": ["role", "full_name", "phone", "national_id", "province", "agency", "desk"]},
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Only the superuser hands out superuser rights and raw permissions.
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ["is_superuser", "user_permissions", "groups", "province", "last_login", "date_joined"]
