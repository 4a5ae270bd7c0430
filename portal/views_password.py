"""Password reset (quên mật khẩu) by e-mail, Django's own views with Vietnamese pages and mail.
The lockout page links here: a user locked out (by their own mistakes or by someone guessing
their username) recovers at once, since a successful reset clears the username's failures."""

import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from .client_address import client_address
from .counters import count_in_window
from .lockout import clear_failures

# Reset e-mails: at most PASSWORD_RESET_PER_CLIENT requests per client address and
# PASSWORD_RESET_PER_EMAIL mails to one address per hour, so the form cannot flood a mailbox.
DEFAULT_PER_CLIENT = 10
DEFAULT_PER_EMAIL = 3
WINDOW = 3600


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        per_client = getattr(settings, "PASSWORD_RESET_PER_CLIENT", DEFAULT_PER_CLIENT)
        if count_in_window(f"motcua:password-reset:{client_address(self.request)}", WINDOW) > per_client:
            form.add_error(None, _("Bạn đã yêu cầu đặt lại mật khẩu quá nhiều lần. Vui lòng thử lại sau 60 phút."))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        email = form.cleaned_data["email"].strip().lower()
        key = hashlib.sha256(email.encode()).hexdigest()[:32]
        if count_in_window(f"motcua:password-reset-mail:{key}", WINDOW) > getattr(
            settings, "PASSWORD_RESET_PER_EMAIL", DEFAULT_PER_EMAIL
        ):
            # The same answer as a sent mail (no oracle), but no further mail to that mailbox this hour.
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        clear_failures(form.user.get_username())
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
