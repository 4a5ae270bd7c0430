"""`GET /api/v1/reports/service-index/` (docs/api.md "Reports").

Staff get their scope (province admin: province; head: agency; officer: desk; superuser: anything); everyone
else gets the public view (a province and its agencies, what `/thong-ke/<province>/` shows). Bad parameters are
400 `{field: [message]}`; another unit's numbers 404; a desk or procedure asked anonymously 401, signed in 403."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from . import engine
from .params import GROUP_CHOICES, PERIOD_CHOICES, StaffOnly, resolve
from .serializers import ServiceIndexSerializer


def _param(name, kind, description, enum=None):
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, required=False, description=description, enum=enum)


def service_index(query, now=None):
    """The response body for a resolved `ReportQuery`; by agency, each group (and the whole) with its `steps`."""
    if not query.group_by:
        return engine.totals(query.scope, query.start, query.end, now).api()
    items = engine.groups(query.scope, query.start, query.end, query.group_by, now)
    if query.group_by != "agency":
        total = engine.totals(query.scope, query.start, query.end, now)
        if query.group_by not in engine.TIME_GROUPS:
            total = engine.sum_groups(items)
        return {
            **total.api(),
            "groups": [{"key": item.key, "label": item.label, **item.totals.api()} for item in items],
        }
    items, overdue = engine.with_open_steps(query.scope, items, now)
    total = engine.sum_groups(items)
    return {
        **total.api(),
        "steps": total.steps(sum(overdue.values())),
        "groups": [
            {
                "key": item.key,
                "label": item.label,
                **item.totals.api(),
                "steps": item.totals.steps(overdue.get(item.id, 0)),
            }
            for item in items
        ],
    }


class ServiceIndexView(APIView):
    permission_classes = [permissions.AllowAny]
    schema_error_statuses = (403, 404)  # a desk or procedure for staff only; a unit outside the caller's scope

    @extend_schema(
        operation_id="reports_service_index",
        summary="Decision 766 service index for a scope and window",
        parameters=[
            _param("province", OpenApiTypes.STR, "Province code (required for public callers)."),
            _param("agency", OpenApiTypes.STR, "Agency code."),
            _param("desk", OpenApiTypes.INT, "Desk id (staff only)."),
            _param("procedure", OpenApiTypes.STR, "Procedure code (staff only)."),
            _param("from", OpenApiTypes.DATE, "First day of the window (YYYY-MM-DD)."),
            _param("to", OpenApiTypes.DATE, "Day after the window (exclusive); default: tomorrow."),
            _param(
                "period",
                OpenApiTypes.STR,
                "Instead of from/to: the period containing `date`.",
                [k for k, _ in PERIOD_CHOICES],
            ),
            _param("date", OpenApiTypes.DATE, "A day inside `period` (default today)."),
            _param("group_by", OpenApiTypes.STR, "Group the window.", [k for k, _ in GROUP_CHOICES]),
        ],
        responses={200: ServiceIndexSerializer},
    )
    def get(self, request):
        try:
            query = resolve(request.user, request.query_params, public=True)
        except DjangoValidationError as error:
            raise exceptions.ValidationError(error.message_dict) from error
        except StaffOnly as error:
            if not request.user.is_authenticated:
                raise exceptions.NotAuthenticated(str(error)) from error
            raise exceptions.PermissionDenied(str(error)) from error
        except PermissionDenied as error:
            raise exceptions.PermissionDenied(str(error)) from error
        except Http404 as error:
            raise exceptions.NotFound(str(error)) from error
        return Response(service_index(query))
