"""The API's token authentication: DRF's TokenAuthentication (`Authorization: Token <key>`, the same refusals), its
one statement (the token with its user) written once per process instead of built by the ORM on every request
(issue 18: 1.07 → 0.29 ms of CPU a request, in-process on the loaded test machine). The user is read from the
database on every request, as DRF does: a deleted token, a deactivated user or a changed role take effect at the
next request.

Not cached (issue 18's lever 2, left): a user or token cache would have to hear of every change that can revoke a
token, and a queryset `update()` of a user or a token sends nothing (the user's manager is part of the migration
state, so it cannot be swapped for one that tells)."""

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connections
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token


@cache
def _statement(alias):
    """(SQL, the user's field names, each column's (expression, converters)) for the database `alias`."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    user_model = get_user_model()
    fields = list(user_model._meta.concrete_fields)
    token, user = Token._meta, user_model._meta
    columns = ", ".join(f"u.{quote(f.column)}" for f in fields)
    sql = (
        f"SELECT t.{quote(token.get_field('created').column)}, {columns} "
        f"FROM {quote(token.db_table)} t INNER JOIN {quote(user.db_table)} u "
        f"ON u.{quote(user.pk.column)} = t.{quote(token.get_field('user').column)} "
        f"WHERE t.{quote(token.pk.column)} = %s"
    )
    every = [token.get_field("created"), *fields]
    converters = []
    for field in every:
        column = field.get_col(field.model._meta.db_table)
        converters.append((column, connection.ops.get_db_converters(column) + field.get_db_converters(connection)))
    return sql, [f.attname for f in fields], converters


def user_and_token(key, alias="default"):
    """(user, token) of the API token `key`, None when there is none: one statement."""
    sql, names, converters = _statement(alias)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for value, (expression, field_converters) in zip(row, converters, strict=True):
        for convert in field_converters:
            value = convert(value, expression, connection)
        values.append(value)
    user = get_user_model().from_db(alias, names, values[1:])
    token = Token.from_db(alias, ["key", "user_id", "created"], [key, user.pk, values[0]])
    Token._meta.get_field("user").set_cached_value(token, user)
    return user, token


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        found = user_and_token(key)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Mã truy cập không hợp lệ."))
        user, token = found
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("Tài khoản không còn hoạt động hoặc đã bị xoá."))
        return user, token
