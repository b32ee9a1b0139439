"""The admin's sign-in, rate limited like the REST token sign-in (per address and username).

Django's admin login has no limit of its own. Rather than a lockout library with its own
models (django-axes), the same throttle that guards `POST /api/v1/auth/token/` counts the
admin's sign-in POSTs; past the limit the form comes back with a translated error and 429.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ideas.api.throttles import LoginThrottle

TOO_MANY = gettext_lazy("Too many sign-in attempts. Wait a minute and try again.")


class RefusedLoginForm(AdminAuthenticationForm):
    """Never authenticates: the attempt is refused before the password is even looked at."""

    def clean(self) -> dict[str, Any]:
        raise ValidationError(TOO_MANY, code="throttled")


def limited(login_view: Any) -> Any:
    """Counts sign-in POSTs per address and username; the limit is `VECHE_THROTTLE_LOGIN`."""

    @wraps(login_view)
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            throttle = LoginThrottle()
            if not throttle.allow_request(request, None):
                return _refused(request, throttle.wait())
        return login_view(request, *args, **kwargs)

    return view


def _refused(request: HttpRequest, wait: float | None) -> HttpResponse:
    # The context AdminSite.login builds, with a form that only says "wait".
    site = admin.site
    context = {
        **site.each_context(request),
        "title": _("Log in"),
        "subtitle": None,
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
    }
    if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
        context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=site.name)
    request.current_app = site.name
    response = LoginView.as_view(
        extra_context=context,
        authentication_form=RefusedLoginForm,
        template_name=site.login_template or "admin/login.html",
    )(request)
    response.status_code = 429
    if wait is not None:
        response["Retry-After"] = str(int(wait) + 1)
    return response


admin_login = limited(admin.site.login)
