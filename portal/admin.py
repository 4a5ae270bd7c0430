"""Admin pages for the catalog, the calendar and accounts. A province admin sees and
edits only their own province's records; the superuser sees everything."""

from pathlib import PurePosixPath

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import document_templates, fees
from .form_editor import views as form_editor_views
from .models import (
    Agency,
    CalendarOverride,
    OneStopDesk,
    Procedure,
    ProcedureFee,
    ProcessStep,
    Province,
    RequiredDocument,
    Role,
    SigningCertificate,
    User,
    process_budget_error,
)
from .widgets import FilePicker

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


def is_province_admin(user):
    return user.is_active and user.role == Role.PROVINCE_ADMIN and user.province_id is not None


class ProvinceScope:
    """Who may see what: the superuser everything, an active province admin their own province's
    rows, everyone else (staff with Django permissions but no province) nothing province-bound.
    Mixed into a ModelAdmin: an object outside the scope is a 404 on every object URL."""

    province_path = "province"

    def _province(self, request):
        user = request.user
        if user.is_superuser:
            return None
        return user.province_id if user.role == Role.PROVINCE_ADMIN and user.province_id else -1

    def _is_province_admin(self, request):
        return is_province_admin(request.user)

    def _scope(self, queryset, request, path=None):
        province = self._province(request)
        path = self.province_path if path is None else path
        return queryset if province is None else queryset.filter(**{f"{path}_id" if path else "pk": province})

    def _in_scope(self, request, obj):
        """The object is one of the caller's (always true for "no object": the add and list views)."""
        if obj is None or obj.pk is None or self._province(request) is None:
            return True
        return self._scope(self.model._default_manager.filter(pk=obj.pk), request).exists()

    def get_object(self, request, object_id, from_field=None):
        # Every object URL (change, delete, history, a user's password) looks the object up here,
        # in the scoped queryset, before any permission check: outside the province it is a 404
        # (Django would redirect to the index with "does not exist", or answer 403 to a POST).
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("Không tìm thấy."))
        return obj


class ProvinceScopedAdmin(ProvinceScope, admin.ModelAdmin):
    """Limit rows, object permissions and foreign-key choices to the province of a province admin.
    An object of another province is "not found" (404) on every URL: change, delete, history."""

    # A province admin manages their own province's records without Django permission rows;
    # the queryset below keeps them inside it, and every object permission checks the object.
    def has_module_permission(self, request):
        return self._is_province_admin(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        allowed = self._is_province_admin(request) or super().has_view_permission(request, obj)
        return allowed and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        allowed = self._is_province_admin(request) or super().has_change_permission(request, obj)
        return allowed and self._in_scope(request, obj)

    def has_add_permission(self, request, *args):
        return self._is_province_admin(request) or super().has_add_permission(request, *args)

    def has_delete_permission(self, request, obj=None):
        allowed = self._is_province_admin(request) or super().has_delete_permission(request, obj)
        return allowed and self._in_scope(request, obj)

    def get_queryset(self, request):
        return self._scope(super().get_queryset(request), request)

    def history_view(self, request, object_id, extra_context=None):
        # django-simple-history falls back to the history table when the scoped queryset misses.
        self.get_object(request, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Every choice of a province-bound model is limited by that model's own admin scope.
        if self._province(request) is not None and "queryset" not in kwargs:
            related_admin = self.admin_site._registry.get(db_field.remote_field.model)
            if isinstance(related_admin, ProvinceScope):
                kwargs["queryset"] = related_admin.get_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ProvinceScopedHistoryAdmin(ProvinceScopedAdmin, SimpleHistoryAdmin):
    """django-simple-history's history list and history form (revert) load rows from the history
    table: both are limited to objects in the scoped queryset, and to versions of the province."""

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        return self._scope(super().get_history_queryset(request, history_manager, pk_name, object_id), request)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        version = self._scope(history.filter(**{self.model._meta.pk.attname: unquote(object_id)}), request)
        if not version.filter(history_id=unquote(version_id)).exists():
            raise Http404(_("Không tìm thấy."))
        # django-simple-history saves a posted form without asking for the change permission.
        if request.method == "POST" and not self.has_change_permission(request, obj):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ProvinceScopedInline:
    """An inline of a province-scoped parent: a province admin works on it only for a parent
    in their province (the parent's admin already returns 404 for the others)."""

    def _parent_allowed(self, request, obj):
        return is_province_admin(request.user) and (obj is None or self._parent_in_scope(request, obj))

    def _parent_in_scope(self, request, obj):
        parent_admin = self.admin_site._registry.get(type(obj))
        return parent_admin is not None and parent_admin._in_scope(request, obj)

    def has_view_permission(self, request, obj=None):
        return self._parent_allowed(request, obj) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._parent_allowed(request, obj) or super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._parent_allowed(request, obj) or super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._parent_allowed(request, obj) or super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # As ProvinceScopedAdmin: a choice of a province-bound model is limited by that model's admin scope.
        related_admin = self.admin_site._registry.get(db_field.remote_field.model)
        if not request.user.is_superuser and "queryset" not in kwargs and isinstance(related_admin, ProvinceScope):
            kwargs["queryset"] = related_admin.get_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Province)
class ProvinceAdmin(ProvinceScope, admin.ModelAdmin):
    """Django permissions decide who may open it; whoever is not the superuser sees their own province."""

    province_path = ""
    list_display = ["code", "name", "postal_sla_clock_hours"]
    search_fields = ["code", "name"]

    def get_queryset(self, request):
        return self._scope(super().get_queryset(request), request)


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


@admin.register(SigningCertificate)
class SigningCertificateAdmin(ProvinceScopedAdmin):
    """Chứng thư số của cơ quan: only the public facts (the key stays in its file, settings.SIGNING_DIR). Rows come
    from the key files (`setup_signing`, or first use); the province admin revokes one by giving the time and
    the reason: it signs no more, and every result it signed verifies as invalid."""

    province_path = "agency__province"
    list_display = ["agency", "serial", "not_before", "not_after", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "agency__province"]
    search_fields = ["agency__name", "agency__code", "serial", "fingerprint_sha256"]
    list_select_related = ["agency"]
    fields = [
        "agency",
        "subject",
        "serial",
        "fingerprint_sha256",
        "not_before",
        "not_after",
        "registered_at",
        "revoked_at",
        "revoked_reason",
    ]
    readonly_fields = ["agency", "subject", "serial", "fingerprint_sha256", "not_before", "not_after", "registered_at"]

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RequiredDocumentForm(forms.ModelForm):
    """A document with its template (mẫu đơn, tờ khai): an upload is checked by content (PDF, DOC, DOCX, ODT) and
    size, and stored by its digest (portal/document_templates.py) under the name it came with."""

    class Meta:
        model = RequiredDocument
        fields = ["order", "code", "name", "required", "form", "copies", "template"]
        # The project's file picker (its button and "no file" text in Vietnamese whatever the browser's language,
        # tests/test_file_picker.py); taking a template away is the box below, not the picker's own.
        widgets = {"template": FilePicker(attrs={"accept": ".pdf,.doc,.docx,.odt"})}

    remove_template = forms.BooleanField(label=_("Bỏ tệp mẫu"), required=False)

    def clean_template(self):
        upload = self.cleaned_data.get("template")
        if upload and isinstance(upload, UploadedFile):  # a new file (else the stored one, or none)
            limit = settings.DOCUMENT_TEMPLATE_MAX_BYTES
            if upload.size > limit:  # refused before it is read
                too_big = document_templates.TemplateError("too_big", size=upload.size, limit=limit)
                raise ValidationError(too_big.vietnamese())
            data = upload.read()
            try:
                document_templates.check(data)
            except document_templates.TemplateError as exc:
                raise ValidationError(exc.vietnamese())
            self._template_upload = (data, PurePosixPath(upload.name).name)
        return upload

    def save(self, commit=True):
        document = super().save(commit=False)
        upload = getattr(self, "_template_upload", None)
        if upload is not None:
            data, name = upload
            document.template = document_templates.store(data)  # a name: the upload itself is not saved again
            document.template_name = name[: RequiredDocument._meta.get_field("template_name").max_length]
        elif self.cleaned_data.get("remove_template"):
            document.template = ""
            document.template_name = ""
        elif not document.template:
            document.template_name = ""
        if commit:
            document.save()
        return document


class RequiredDocumentInline(ProvinceScopedInline, admin.TabularInline):
    model = RequiredDocument
    form = RequiredDocumentForm
    extra = 0
    fields = ["order", "code", "name", "required", "form", "copies", "template"]


class ProcedureFeeFormSet(BaseInlineFormSet):
    """The fee groups of one procedure (api.md "fees"), checked together by the rules the catalog import applies
    (portal/fees.py): a default group at the procedure's fee, no group twice, a proof document among the
    procedure's documents: those saved, and those added or kept on this same page (its documents inline)."""

    def get_unique_error_message(self, unique_check):
        return _("Mã đối tượng bị trùng: mỗi đối tượng nộp phí phải có một mã riêng.")

    def _document_codes(self):
        codes = set()
        if self.instance.pk:
            codes = set(RequiredDocument.objects.filter(procedure=self.instance).values_list("code", flat=True))
        prefix = RequiredDocument._meta.get_field("procedure").remote_field.get_accessor_name()
        total = self.data.get(f"{prefix}-TOTAL_FORMS")
        if total is not None and str(total).isdigit():
            kept = set()
            for i in range(min(int(total), 1000)):
                code = (self.data.get(f"{prefix}-{i}-code") or "").strip()
                deleted = self.data.get(f"{prefix}-{i}-DELETE") in ("on", "true", "1")
                if code and not deleted:
                    kept.add(code)
            codes = kept  # the page holds every document of the procedure: what it keeps is the list
        return codes

    def clean(self):
        super().clean()
        rows = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and form.cleaned_data.get("group")
            and not self._should_delete_form(form)
        ]
        groups = [
            {
                "group": form.cleaned_data["group"],
                "amount": form.cleaned_data.get("amount"),
                "proof_document": form.cleaned_data.get("proof_document") or "",
            }
            for form in rows
        ]
        fee = self.instance.fee
        for index, field_name, kind, values in fees.problems(fee, groups, self._document_codes()):
            message = fees.problem_text(kind, values)
            if index is None:
                raise ValidationError(message)
            rows[index].add_error(field_name if field_name in rows[index].fields else None, message)


class ProcedureFeeInline(ProvinceScopedInline, admin.TabularInline):
    """Phí, lệ phí theo đối tượng: the default group at the procedure's fee, and the others (a student's fee, with
    the student card as its proof document). A dossier keeps the fee it was submitted with."""

    model = ProcedureFee
    formset = ProcedureFeeFormSet
    extra = 0
    fields = ["order", "group", "label", "amount", "proof_document"]
    ordering = ["order", "id"]


class ProcessStepFormSet(BaseInlineFormSet):
    """The steps of one procedure: each step's agency among the procedure's province's (any level), each
    step's own rule (ProcessStep.clean: an agency for a specialist or a head, none for the desk's officer), and
    the steps' hours together within the procedure's processing time (as the catalog import checks)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        field = form.fields.get("agency")
        if field is not None and self.instance.province_id:
            field.queryset = field.queryset.filter(province_id=self.instance.province_id)

    def get_unique_error_message(self, unique_check):
        return _("Mã bước bị trùng: mỗi bước của quy trình phải có một mã riêng.")

    def clean(self):
        super().clean()
        procedure = self.instance
        if procedure.processing_time_value is None or not procedure.processing_time_unit:
            return  # the procedure's own form reports its processing time
        hours = [
            form.cleaned_data["hours"]
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and form.cleaned_data.get("hours") is not None
            and not self._should_delete_form(form)
        ]
        error = process_budget_error(procedure, hours)
        if error:
            raise ValidationError(error, code="process_budget")


class ProcessStepInline(ProvinceScopedInline, admin.TabularInline):
    """Quy trình nội bộ: the steps between acceptance and the result, in order (api.md "Internal processes").
    A running dossier keeps the steps it was accepted with; a change here applies to dossiers accepted after."""

    model = ProcessStep
    formset = ProcessStepFormSet
    extra = 0
    fields = ["order", "code", "name", "role", "agency", "hours"]
    ordering = ["order", "id"]


@admin.register(Procedure)
class ProcedureAdmin(ProvinceScopedHistoryAdmin):
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
    inlines = [RequiredDocumentInline, ProcessStepInline, ProcedureFeeInline]
    fieldsets = [
        (None, {"fields": ["province", "code", "name", "sector", "agency", "level", "active"]}),
        (_("Thời hạn và phí"), {"fields": ["processing_time_value", "processing_time_unit", "fee", "fee_note"]}),
        (
            _("Cách thức thực hiện"),
            {"fields": ["postal_intake", "postal_return", "in_person_only", "field_verification"]},
        ),
        (_("Kết quả và căn cứ"), {"fields": ["result", "result_document", "legal_basis"]}),
    ]

    # --- the declaration form's editor (issue 16): "Sửa tờ khai điện tử", linked from the change page ---------

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        return [
            path(
                "<path:object_id>/declaration-form/",
                self.admin_site.admin_view(self.form_editor_view),
                name=f"{name}_form_editor",
            ),
            path(
                "<path:object_id>/declaration-form/preview/",
                self.admin_site.admin_view(self.form_preview_view),
                name=f"{name}_form_preview",
            ),
            *super().get_urls(),
        ]

    def _editable_procedure(self, request, object_id):
        """The procedure, found in the scoped queryset (another province's: 404), that the user may change (403)."""
        procedure = self.get_object(request, unquote(object_id))
        if not self.has_change_permission(request, procedure):
            raise PermissionDenied
        return procedure

    def form_editor_view(self, request, object_id):
        return form_editor_views.editor_view(self, request, self._editable_procedure(request, object_id))

    def form_preview_view(self, request, object_id):
        return form_editor_views.preview_view(self, request, self._editable_procedure(request, object_id))


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(ProvinceScopedHistoryAdmin):
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

    def save_model(self, request, obj, form, change):
        # An account a province admin adds belongs to their province (else it vanished from their list).
        if not change and not request.user.is_superuser:
            obj.province_id = request.user.province_id
        super().save_model(request, obj, form, change)

    def get_queryset(self, request):
        # A superuser's account (password, e-mail) is the superuser's alone, whatever its province.
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(is_superuser=False)

    def get_readonly_fields(self, request, obj=None):
        # Only the superuser hands out superuser rights and raw permissions.
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ["is_superuser", "user_permissions", "groups", "province", "last_login", "date_joined"]
