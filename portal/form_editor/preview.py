"""The editor's preview: a definition rendered as the citizen's draft page renders it, through the same
declaration form (portal/declaration.py) and its include (templates/includes/declaration_fields.html)."""

from django.template.loader import render_to_string

from ..declaration import DeclarationForm
from ..models import Province


def render_preview(definition, procedure):
    """HTML of the declaration form of ``definition``, blank, as a new draft shows it (the address's province
    among the catalog's provinces, as on the citizen's page)."""
    provinces = list(Province.objects.order_by("name").values_list("name", flat=True))
    declaration = DeclarationForm(definition, provinces=provinces, prefix="pv")
    return render_to_string("includes/declaration_fields.html", {"declaration": declaration, "whole": False})
