"""Who sees which postal orders: one queryset per role, used by every page and endpoint,
so anything outside it is a 404 (never a hint that it exists).

- superuser: every order;
- postal clerk and province admin: their province;
- one-stop officer: their desk; head of agency: their agency;
- citizen: the orders of their own dossiers;
- an integration client (the post office's software): its province, while active."""

from portal.models import Role

from .models import PostalOrder


def visible_orders(user, queryset=None):
    queryset = PostalOrder.objects.all() if queryset is None else queryset
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "role", None) is None:
        return queryset.none()
    if user.is_superuser:
        return queryset
    if user.role in (Role.POSTAL_CLERK, Role.PROVINCE_ADMIN):
        return queryset.filter(province_id=user.province_id) if user.province_id else queryset.none()
    if user.role == Role.OFFICER:
        return queryset.filter(desk_id=user.desk_id) if user.desk_id else queryset.none()
    if user.role == Role.HEAD:
        return queryset.filter(agency_id=user.agency_id) if user.agency_id else queryset.none()
    if user.role == Role.CITIZEN:
        return queryset.filter(dossier__owner=user)
    return queryset.none()


def orders_for_client(client, queryset=None):
    queryset = PostalOrder.objects.all() if queryset is None else queryset
    if client is None or not client.active:
        return queryset.none()
    return queryset.filter(province_id=client.province_id)
