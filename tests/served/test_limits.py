"""Limits counted in the shared cache hold across processes: the public tracking page's look-ups per client
(TRACKING_PAGE_LOOKUPS, 20 per window by default) are counted once for the whole stack, whichever gunicorn
worker answers. With a cache in each process's memory every worker granted its own 20. The look-ups give
the right phone digits of a demo dossier, so that the database's limit on wrong answers never bites."""

import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

LOOKUPS = 20  # the default TRACKING_PAGE_LOOKUPS: the stack runs without settings


# A submitted dossier of the demo citizen, with the last four digits of its applicant's phone.
KNOWN = """
from dossiers.models import Dossier
dossier = Dossier.objects.exclude(status="draft").exclude(applicant_phone="").order_by("pk").first()
result = {"code": dossier.code, "phone": dossier.applicant_phone[-4:]}
"""


def _look_up(stack, known):
    url = f"{stack.url}/tra-cuu/?code={known['code']}&phone={known['phone']}"
    try:
        with urllib.request.urlopen(url, timeout=15) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_tracking_page_counts_a_clients_look_ups_once_for_every_process(stack):
    known = stack.probe(KNOWN)
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda _: _look_up(stack, known), range(LOOKUPS + 12)))
    answered = [status for status in statuses if status != 429]
    assert answered == [200] * LOOKUPS, statuses
    assert _look_up(stack, known) == 429
