"""The kinds of refusal every app's services raise, and how the API answers them:
a rule broken by the input → 400 {field: [message]}; an action the state does not allow
→ 409 {detail}; an actor who may not → 403 {detail}."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class RuleError(Exception):
    """Bad input for a rule; `field` names the input at fault."""

    def __init__(self, message, field="non_field_errors"):
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self):
        return {self.field: [self.message]}


class Conflict(Exception):
    """The current state does not allow the action."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class Forbidden(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def api_exception_handler(exc, context):
    if isinstance(exc, RuleError):
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Conflict):
        return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Forbidden):
        return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
    return exception_handler(exc, context)


def not_found(request, exception=None):
    """handler404: under /api/ the JSON answer of every other API refusal; elsewhere Django's page (404.html)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Không tìm thấy.")}, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)
