"""`nav_links`: the dossier links of the main navigation for the signed-in person's role
(citizen: my dossiers and my documents; officer and head: the queue; officer, head and specialist: the
notifications with the unread count; specialist and head: what waits for them in the internal
process). Lazy: the unread
count is read only when a template shows it.

Enable with "dossiers.context_processors.nav" in TEMPLATES' context_processors; the
template `dossiers/includes/nav_links.html` renders it."""

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from portal.models import Role

from .models import Notification


def links_for(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    path = request.path
    if user.is_citizen:
        url, store = reverse("dossiers:my_dossiers"), reverse("dossiers:my_documents")
        return [
            {"url": url, "label": _("Hồ sơ của tôi"), "current": path.startswith(url), "count": None},
            {"url": store, "label": _("Giấy tờ của tôi"), "current": path.startswith(store), "count": None},
        ]
    waiting = reverse("dossiers:waiting")
    mine = {"url": waiting, "label": _("Việc chờ tôi xử lý"), "current": path.startswith(waiting), "count": None}
    if user.role not in (Role.OFFICER, Role.HEAD, Role.SPECIALIST):
        return []
    notes = reverse("dossiers:notifications")
    unread = Notification.objects.filter(
        recipient_user=user, channel=Notification.Channel.STAFF, read_at__isnull=True
    ).count()
    alerts = {"url": notes, "label": _("Thông báo"), "current": path.startswith(notes), "count": unread}
    if user.role == Role.SPECIALIST:  # a step's alerts reach them too
        return [mine, alerts]
    queue = reverse("dossiers:queue")
    links = [
        {
            "url": queue,
            "label": _("Hàng đợi hồ sơ"),
            "current": path.startswith(queue) and not path.startswith((notes, waiting)),
            "count": None,
        },
        alerts,
    ]
    if user.role == Role.HEAD:  # the head lands on the approvals; the process steps are one link away
        links.insert(1, mine)
    return links


def nav(request):
    return {"nav_links": SimpleLazyObject(lambda: links_for(request))}
