"""The moderation log in words: what the console's log and the admin show, never the codes.

«перевёл сессию из «Идеи» в «Голосование»», «скрыл идею №12: Не по теме».
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import pgettext_lazy

from ideas.models import FLAG_LABELS, HideReason, ModerationAction, Stage


def flag_words(codes: list[str] | None) -> str:
    """The screening flags in words ("Ссылка или ник, Мат"), never the codes."""
    return ", ".join(str(FLAG_LABELS.get(code, code)) for code in codes or [])


ACTION_TEXTS = {
    "idea.approve": pgettext_lazy("log", "published idea №%(idea)s"),
    "idea.hide": pgettext_lazy("log", "hid idea №%(idea)s"),
    "idea.pending": pgettext_lazy("log", "sent idea №%(idea)s back to the queue"),
    "idea.flagged": pgettext_lazy("log", "screening held idea №%(idea)s"),
    "idea.merge": pgettext_lazy("log", "merged idea №%(idea)s into №%(into)s"),
    "idea.unmerge": pgettext_lazy("log", "separated idea №%(idea)s again"),
    "idea.group": pgettext_lazy("log", "moved ideas into a group"),
    "group.create": pgettext_lazy("log", "created a group"),
    "group.update": pgettext_lazy("log", "renamed or reordered a group"),
    "group.delete": pgettext_lazy("log", "deleted a group"),
    "group.merge": pgettext_lazy("log", "merged two groups"),
    "session.stage": pgettext_lazy("log", "moved the session from “%(from)s” to “%(to)s”"),
    "session.timer": pgettext_lazy("log", "set the timer"),
    "session.update": pgettext_lazy("log", "changed the session's settings"),
    "session.create": pgettext_lazy("log", "created the session"),
}


def _stage_name(code: Any) -> str:
    try:
        return str(Stage(code).label)
    except ValueError:
        return str(code or "")


def action_text(action: ModerationAction) -> str:
    """One log line in words, with the stage names: «перевёл сессию из «Идеи» в «Голосование»»."""
    data = action.data if isinstance(action.data, dict) else {}
    template = ACTION_TEXTS.get(action.action)
    if template is None:
        return action.action
    values = {
        "idea": action.idea_id or "",
        "into": data.get("into", ""),
        "from": _stage_name(data.get("from")),
        "to": _stage_name(data.get("to")),
    }
    text = str(template) % values
    if action.action == "idea.flagged" and action.reason:
        text += " (" + flag_words([code.strip() for code in action.reason.split(",")]) + ")"
    elif action.action == "idea.hide" and action.reason:
        try:
            text += ": " + str(HideReason(action.reason).label)
        except ValueError:
            text += ": " + action.reason
    return text


# What each kind of entry is, for the admin's filter (a log line above says what exactly).
ACTION_KINDS = {
    "idea.approve": pgettext_lazy("log kind", "Idea published"),
    "idea.hide": pgettext_lazy("log kind", "Idea hidden"),
    "idea.pending": pgettext_lazy("log kind", "Idea sent back to the queue"),
    "idea.flagged": pgettext_lazy("log kind", "Held by screening"),
    "idea.merge": pgettext_lazy("log kind", "Ideas merged"),
    "idea.unmerge": pgettext_lazy("log kind", "Ideas separated"),
    "idea.group": pgettext_lazy("log kind", "Ideas moved into a group"),
    "group.create": pgettext_lazy("log kind", "Group created"),
    "group.update": pgettext_lazy("log kind", "Group changed"),
    "group.delete": pgettext_lazy("log kind", "Group deleted"),
    "group.merge": pgettext_lazy("log kind", "Groups merged"),
    "session.stage": pgettext_lazy("log kind", "Stage changed"),
    "session.timer": pgettext_lazy("log kind", "Timer set"),
    "session.update": pgettext_lazy("log kind", "Settings changed"),
    "session.create": pgettext_lazy("log kind", "Session created"),
}


def action_kind(code: str) -> str:
    return str(ACTION_KINDS.get(code, code))

