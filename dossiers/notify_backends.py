"""The SMS and email senders moved to the shared core (portal/sms.py: the phone confirmation sends an
SMS too, and portal may not import dossiers). These names stay importable so that a configured
NOTIFY_SMS_BACKEND / NOTIFY_EMAIL_BACKEND of `dossiers.notify_backends.…` keeps working."""

from portal.sms import DjangoEmailBackend, HttpSMSBackend, LogSMSBackend, backend_for

__all__ = ["DjangoEmailBackend", "HttpSMSBackend", "LogSMSBackend", "backend_for"]
