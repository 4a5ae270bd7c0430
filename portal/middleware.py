"""Vietnamese first: the portal speaks Vietnamese unless the visitor chose English with
the language switch (a cookie). The browser's Accept-Language is not consulted, so a
browser set to English still opens the portal in Vietnamese."""


class VietnameseFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
