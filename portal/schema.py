"""The OpenAPI schema says every answer an operation gives, errors included (issue 12, point 10).

drf-spectacular documents the success answer of each operation; the refusals that every view
shares come from REST framework and portal/errors.py, so they are added here, once, from what
the view really does, and each with its shape (docs/api.md, "Conventions"):

- 400 `{"field": ["message"]}` (or `{"detail": "message"}` for a body that is not JSON):
  operations that read a body or query parameters, or a path parameter that may be ambiguous;
- 401 `{"detail"}`: every operation that authenticates (a wrong token is refused even where no
  login is needed);
- 403 `{"detail"}`: operations whose permissions are not open to everyone;
- 404 `{"detail"}`: operations with path parameters, and paginated lists (a page past the end);
- 409 `{"detail"}`: changes to an object named in the path (a state that does not allow it);
- 413 `{"detail"}` and 415 `{"detail"}`: operations that read a body (portal/body_limits.py; a
  content type the parsers do not read);
- 429 `{"detail"}`: throttled operations, and views that name it in `schema_error_statuses`.

A view adds statuses of its own with `schema_error_statuses = (429,)`; an answer declared with
`extend_schema(responses=...)` is kept as declared."""

from drf_spectacular import openapi
from rest_framework import permissions, serializers

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Lý do, bằng tiếng Việt.")


VALIDATION_ERROR = {
    "type": "object",
    "description": '{"<trường>": ["thông báo"]}, lồng nhau cho trường lồng nhau (applicant, form_data), '
    'hoặc {"detail": "thông báo"} khi thân yêu cầu không đọc được.',
    "additionalProperties": {},
}

DESCRIPTIONS = {
    "400": "Dữ liệu không hợp lệ",
    "401": "Chưa đăng nhập hoặc token không hợp lệ",
    "403": "Không có quyền",
    "404": "Không tìm thấy (hoặc không thuộc phạm vi của người gọi)",
    "409": "Trạng thái hiện tại không cho phép",
    "413": "Thân yêu cầu quá lớn",
    "415": "Kiểu nội dung không được hỗ trợ",
    "429": "Quá nhiều yêu cầu, thử lại sau",
}


def _has_file(serializer):
    if isinstance(serializer, type) and issubclass(serializer, serializers.Serializer):
        serializer = serializer()
    fields = serializer.fields if isinstance(serializer, serializers.Serializer) else {}
    return any(isinstance(field, serializers.FileField) for field in fields.values())


class AutoSchema(openapi.AutoSchema):
    def map_parsers(self):
        """Bodies are documented as JSON (docs/api.md), multipart only where a file is sent; the form
        parsers still read what browsers post."""
        media_types = super().map_parsers()
        if _has_file(self.get_request_serializer()):
            return media_types
        return [media for media in media_types if media == "application/json"] or media_types

    def _error_statuses(self):
        view, method = self.view, self.method
        parameters = self._get_parameters()
        has_path = any(p.get("in") == "path" for p in parameters)
        has_query = any(p.get("in") == "query" for p in parameters)
        has_body = method in ("POST", "PUT", "PATCH")
        statuses = set(getattr(view, "schema_error_statuses", ()))
        if has_body or has_query or has_path:
            statuses.add(400)
        if view.get_authenticators():
            statuses.add(401)
        if not all(self._open(permission) for permission in view.get_permissions()):
            statuses.add(403)
        paginated = getattr(view, "pagination_class", None) is not None and self._is_list_view()
        if has_path or paginated:
            statuses.add(404)
        if method in UNSAFE and has_path:
            statuses.add(409)
        if has_body:
            statuses.update((413, 415))
        if view.get_throttles():
            statuses.add(429)
        return statuses

    def _open(self, permission):
        """A permission that never refuses this method."""
        if isinstance(permission, permissions.AllowAny):
            return True
        return isinstance(permission, permissions.IsAuthenticatedOrReadOnly) and self.method in permissions.SAFE_METHODS

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for status in sorted(self._error_statuses()):
            code = str(status)
            if code in responses:
                continue
            if status == 400:
                response = self._get_response_for_code(VALIDATION_ERROR, code, direction=direction)
            else:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
            response["description"] = DESCRIPTIONS[code]
            responses[code] = response
        return responses
