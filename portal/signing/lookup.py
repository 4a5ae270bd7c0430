"""Which agency a dossier belongs to, for the verification's cross-check. Dossiers sit above portal (a lower app
never imports a higher one), so the dossiers app registers the lookup when it starts (DossiersConfig.ready)."""

_lookup = None


def register_dossier_lookup(function):
    """`function(code) -> agency id or None`: the agency that handles the dossier `code`, None if there is none."""
    global _lookup
    _lookup = function


def dossier_agency_id(code):
    """The registered lookup's answer; with no dossiers app installed no dossier exists."""
    return _lookup(code) if _lookup is not None else None
