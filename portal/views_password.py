"""Password reset (quên mật khẩu) by e-mail, Django's own views with Vietnamese pages and mail.
The lockout page links here: a user locked out (by their own mistakes or by someone guessing
their username) recovers at once, since a successful reset clears the username's failures."""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from .lockout import clear_failures


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")


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
