"""Who sees which dossiers: one queryset per role, used by every page and endpoint, so
that anything outside it is a 404 (never a hint that it exists). The scopes themselves are
`DossierQuerySet.visible_to` (dossiers/models)."""

from portal.models import Role

from .models import Dossier


def visible_dossiers(user, queryset=None):
    """`DossierQuerySet.visible_to(user)` of `queryset` (all dossiers by default)."""
    queryset = Dossier.objects.all() if queryset is None else queryset
    return queryset.visible_to(user)


def may_create_draft(user, desk, owner=None):
    """Who may open a draft at `desk`: a citizen, for themselves (the draft is theirs), or an
    officer of that desk (a walk-in dossier, no owner). Nobody else: not an officer of another
    desk or province, a postal clerk, a specialist, a head or a province admin. The API, the
    citizen's form and the officer's walk-in page all reach it through services.create_draft."""
    if user is None or not user.is_authenticated:
        return False
    if user.role == Role.CITIZEN:
        return owner is None or owner.pk == user.pk
    return user.role == Role.OFFICER and desk is not None and user.desk_id == desk.pk
