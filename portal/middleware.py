"""Vietnamese first: the portal speaks Vietnamese unless the visitor chose English with
the language switch (a cookie). The browser's Accept-Language is not consulted, so a
browser set to English still opens the portal in Vietnamese."""

from django.http import Http404


class VietnameseFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class NulPathMiddleware:
    """A path with a NUL character names nothing here: 404, before a view hands it to PostgreSQL, whose text
    cannot hold one (a dossier's code, a tracking code: it answered 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info:
            raise Http404
        return self.get_response(request)
