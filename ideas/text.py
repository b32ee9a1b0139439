"""Checks on a piece of user text, shared by every app that stores what people write."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.utils.translation import gettext as _

from ideas.errors import InvalidInput

_ALLOWED_CONTROL = {"\n", "\r", "\t"}


def clean_text(value: Any, *, field: str, max_length: int, required: bool = True) -> str:
    """Trim and check a piece of user text; refuse control characters and overlong text."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(_("Must be text."), fields={field: [_("Must be text.")]})
    text = unicodedata.normalize("NFC", value).strip()
    if any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROL for ch in text):
        message = _("Text contains control characters.")
        raise InvalidInput(message, fields={field: [message]})
    if required and not text:
        message = _("This field may not be blank.")
        raise InvalidInput(message, fields={field: [message]})
    if len(text) > max_length:
        message = _(
            "Ensure this field has no more than %(max)d characters (it has %(length)d)."
        ) % {
            "max": max_length,
            "length": len(text),
        }
        raise InvalidInput(message, fields={field: [message]})
    return text

