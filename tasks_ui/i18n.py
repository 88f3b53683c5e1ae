"""UI language: Bahasa Indonesia by default, English on request (``?lang=en``, the session, Accept-Language)."""

from __future__ import annotations

from flask import request, session

from .translations import UI_TEXT

LANGUAGES = ("id", "en")


def current_language() -> str:
    """The language of this request (decided once per request: pages ask for it for every string)."""
    lang = request.environ.get("alur.lang")
    if lang is None:
        lang = request.environ["alur.lang"] = _request_language()
    return lang


def _request_language() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        return asked
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    if request.path.startswith("/api/"):
        best = request.accept_languages.best_match(LANGUAGES)
        return best or "id"
    return "id"


def t(key: str, **params) -> str:
    """Translate a UI string key into the current language."""
    texts = UI_TEXT.get(key)
    if texts is None:
        return key
    text = texts[1] if current_language() == "en" else texts[0]
    return text.format(**params) if params else text
