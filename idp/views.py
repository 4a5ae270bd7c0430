from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .forms import NationalIdLoginForm


class CitizenLoginView(LoginView):
    template_name = "idp/login.html"
    authentication_form = NationalIdLoginForm


def home(request):
    return render(request, "idp/home.html")


@require_POST
def sign_out(request):
    logout(request)
    return redirect("home")
