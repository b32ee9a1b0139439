"""Accounts without staff status: Django's own auth views with our templates, and sign-up by invitation.

No library: Django's `LoginView`, `PasswordChangeView` and `PasswordReset*Views` do everything
the forum needs (django-allauth would add social logins, e-mail verification flows and a dozen
models nobody here asked for). Sign-up exists only behind an invitation link
(`forums.operations.invitation_accept`), so no open registration form exists at all.
The sign-in form counts attempts like the admin's (`VECHE_THROTTLE_LOGIN`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from backend import links
from forums import operations
from forums.forms import SignUpForm
from forums.models import Role
from ideas.api.throttles import LoginThrottle
from ideas.errors import DomainError

TOO_MANY = gettext_lazy("Too many sign-in attempts. Wait a minute and try again.")


class RefusedLoginForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        raise ValidationError(TOO_MANY, code="throttled")


class LoginView(auth_views.LoginView):
    template_name = "forums/accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        throttle = LoginThrottle()
        if not throttle.allow_request(request, None):
            self.authentication_form = RefusedLoginForm
            response = super().post(request, *args, **kwargs)
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)


urlpatterns = [
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(
            template_name="forums/accounts/password_change.html", success_url=reverse_lazy("forums:password_change_done")
        ),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="forums/accounts/password_change_done.html"),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="forums/accounts/password_reset.html",
            email_template_name="forums/accounts/password_reset_email.txt",
            subject_template_name="forums/accounts/password_reset_subject.txt",
            success_url=reverse_lazy("forums:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="forums/accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="forums/accounts/password_reset_confirm.html",
            success_url=reverse_lazy("forums:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="forums/accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]


def _after_accepting(invitation: Any) -> str:
    if invitation.role == Role.MODERATOR and invitation.session_id:
        return reverse_lazy("forums:session", kwargs={"session_id": invitation.session_id})
    if invitation.forum_id and invitation.role == Role.ORGANISER:
        return reverse_lazy("forums:forum", kwargs={"forum_id": invitation.forum_id})
    return reverse_lazy("forums:desk")


@never_cache
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: sign up (or, signed in, just accept) and land where the role works."""
    try:
        invitation = operations.invitation_find(token)
    except DomainError as error:
        return render(
            request, "forums/accounts/invitation_refused.html", {"message": error.message}, status=error.status_code
        )
    signed_in = request.user.is_authenticated
    form = SignUpForm(request.POST or None, initial={"email": invitation.email})
    if request.method == "POST":
        try:
            if signed_in:
                operations.invitation_accept(token=token, user=request.user)
            elif form.is_valid():
                user = operations.invitation_accept(
                    token=token,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password1"],
                    email=form.cleaned_data["email"],
                )
                auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                raise _FormInvalid
        except _FormInvalid:
            pass
        except DomainError as error:
            placed = False
            for field, problems in error.fields.items():
                if field in form.fields:
                    for problem in problems:
                        form.add_error(field, str(problem))
                    placed = True
            if not placed:
                return render(
                    request,
                    "forums/accounts/invitation_refused.html",
                    {"message": error.message},
                    status=error.status_code,
                )
        else:
            messages.success(
                request,
                _("Welcome! You are now %(role)s: %(target)s.")
                % {"role": invitation.get_role_display().lower(), "target": invitation.target_title or _("you may create forums")},
            )
            return redirect(_after_accepting(invitation))
    return render(
        request,
        "forums/accounts/invitation.html",
        {"invitation": invitation, "form": form, "signed_in": signed_in, "link": links.absolute(request, request.path)},
        status=400 if request.method == "POST" else 200,
    )


class _FormInvalid(Exception):
    pass
