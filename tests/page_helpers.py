"""Shared by the public-page tests: a small catalog and response helpers."""

STRONG_PASSWORD = "Hoa-sen-no-2024!"


def names(response):
    return {procedure.name for procedure in response.context["page"].object_list}


def html(response):
    return response.content.decode()
