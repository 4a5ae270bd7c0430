"""The account page (Tài khoản của tôi): who the person is, and their phone, confirmed or not, with the
way to confirm it or change it (portal/phone/). Single sign-on adds its own block to the template."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from .phone import codes
from .phone.forms import PhoneForm
from .phone.views import confirm_url, send_code


@login_required
def account(request):
    """GET: the page. POST: a new phone number, saved unconfirmed; its code is sent and the confirmation
    page follows."""
    user = request.user
    form = PhoneForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        codes.change_phone(user, form.cleaned_data["phone"])
        messages.info(request, _("Đã lưu số điện thoại mới. Vui lòng xác nhận số này."))
        send_code(request, user)
        return redirect(confirm_url(reverse("account")))
    context = {"account": user, "phone_state": codes.status(user), "phone_form": form}
    return render(request, "registration/account.html", context, status=400 if form.errors else 200)
