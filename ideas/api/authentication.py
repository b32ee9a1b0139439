"""Bearer tokens for staff (`vs_…`) and participants (`vp_…`), both stored hashed."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from ideas.models import ApiToken, Participant, hash_token


def principal_for_token(token: str) -> tuple[Any, Participant | None] | None:
    """(user, participant) for a raw token, or None when nobody holds it.

    Shared by the REST authentication and the WebSocket middleware.
    """
    if token.startswith(Participant.TOKEN_PREFIX):
        try:  # get(), not first(): no ORDER BY on the hottest query of all
            participant = Participant.objects.select_related("session").get(
                token_hash=hash_token(token)
            )
        except Participant.DoesNotExist:
            return None
        return (participant.user or AnonymousUser(), participant)
    if token.startswith(ApiToken.TOKEN_PREFIX):
        api_token = (
            ApiToken.objects.select_related("user").filter(token_hash=hash_token(token)).first()
        )
        if api_token is None or not api_token.user.is_active:
            return None
        return (api_token.user, None)
    return None


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        header = (
            authentication.get_authorization_header(request).decode("latin-1", "replace").split()
        )
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as “Authorization: Bearer <token>”.")
            )
        found = principal_for_token(header[1])
        if found is None:
            raise exceptions.AuthenticationFailed(
                _("This token is not valid; join the session again.")
            )
        return found

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


def request_participant(request: Any) -> Participant | None:
    return request.auth if isinstance(request.auth, Participant) else None


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Tells drf-spectacular how the bearer tokens look in the OpenAPI document."""

    target_class = "ideas.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A participant's token from POST /api/v1/join/ or a staff token from POST /api/v1/auth/token/.",
        }
