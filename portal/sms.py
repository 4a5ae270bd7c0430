"""Pluggable senders for SMS and email, chosen by settings (NOTIFY_SMS_BACKEND,
NOTIFY_EMAIL_BACKEND). Each has `send(message)`, where a message carries `recipient`, `subject`
and `body` (a dossier's Notification row, or an `SMS` such as the phone-confirmation code), and
raises on failure so the task that calls it retries with backoff.

They live in the shared core because the phone confirmation (portal/phone/) sends an SMS too;
dossiers/notify_backends.py keeps the old dotted paths importable."""

import json
import logging
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

log = logging.getLogger("motcua.notify")


@dataclass(frozen=True)
class SMS:
    """One text message that is not a dossier's notification."""

    recipient: str
    body: str
    subject: str = ""


class LogSMSBackend:
    """Writes the SMS to the log (the default on a laptop and in the demo)."""

    def send(self, notification):
        log.info("SMS to %s: %s", notification.recipient, notification.body)


class HttpSMSBackend:
    """POSTs {to, message} as JSON to SMS_GATEWAY_URL with a bearer token."""

    def send(self, notification):
        if not settings.SMS_GATEWAY_URL:
            raise RuntimeError("SMS_GATEWAY_URL is not set")
        request = urllib.request.Request(
            settings.SMS_GATEWAY_URL,
            data=json.dumps({"to": notification.recipient, "message": notification.body}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (configured URL)
            if response.status >= 300:
                raise RuntimeError(f"SMS gateway answered {response.status}")


class DjangoEmailBackend:
    """Sends through Django's email settings (EMAIL_URL)."""

    def send(self, notification):
        send_mail(notification.subject, notification.body, settings.DEFAULT_FROM_EMAIL, [notification.recipient])


def backend_for(channel):
    """The configured sender of a channel ("sms" or "email")."""
    path = settings.NOTIFY_SMS_BACKEND if channel == "sms" else settings.NOTIFY_EMAIL_BACKEND
    return import_string(path)()
