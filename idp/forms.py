from django.contrib.auth.forms import AuthenticationForm


class NationalIdLoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Số định danh cá nhân hoặc mật khẩu không đúng.",
        "inactive": "Tài khoản định danh này đã bị khoá.",
    }

    def __init__(self, request=None, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Số định danh cá nhân"
        self.fields["username"].widget.attrs.update(inputmode="numeric", autocomplete="username")
        self.fields["password"].label = "Mật khẩu"
