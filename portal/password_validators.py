"""Django's password validators with Vietnamese messages as their source text.

Django's own Vietnamese catalogue lacks some of the current messages (the minimum length and
similarity messages changed wording in Django 5 and are not translated there), so a citizen
registering read English. The rules are Django's, unchanged; only the words are ours, in
gettext with Vietnamese as the source like the rest of the portal (Django's own Vietnamese
wording where it has one; locale/en translates them).
AUTH_PASSWORD_VALIDATORS names these classes."""

from django.contrib.auth import password_validation as django_validators
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MinimumLengthValidator(django_validators.MinimumLengthValidator):
    def get_error_message(self):
        return ngettext(
            "Mật khẩu quá ngắn: cần ít nhất %(n)d ký tự.",
            "Mật khẩu quá ngắn: cần ít nhất %(n)d ký tự.",
            self.min_length,
        ) % {"n": self.min_length}

    def get_help_text(self):
        return ngettext("Mật khẩu cần ít nhất %(n)d ký tự.", "Mật khẩu cần ít nhất %(n)d ký tự.", self.min_length) % {
            "n": self.min_length
        }


class UserAttributeSimilarityValidator(django_validators.UserAttributeSimilarityValidator):
    def get_error_message(self):
        return _("Mật khẩu quá giống với %(verbose_name)s.")

    def get_help_text(self):
        return _("Mật khẩu của bạn không được quá giống với thông tin cá nhân khác.")


class CommonPasswordValidator(django_validators.CommonPasswordValidator):
    def get_error_message(self):
        return _("Mật khẩu này quá phổ biến.")

    def get_help_text(self):
        return _("Mật khẩu của bạn không được là mật khẩu được dùng phổ biến.")


class NumericPasswordValidator(django_validators.NumericPasswordValidator):
    def get_error_message(self):
        return _("Mật khẩu này hoàn toàn là số.")

    def get_help_text(self):
        return _("Mật khẩu của bạn không được hoàn toàn bằng số.")
