"""The error of the tag-expression language: the reason, and the place it went wrong."""

from __future__ import annotations

import unicodedata

from telco_mart.errors import TelcoMartError


class TagExpressionError(TelcoMartError):
    """A tag expression that cannot be parsed, typed or compiled; the message points at the place."""

    def __init__(self, reason: str, text: str, position: int, hint: str = "") -> None:
        self.reason, self.text, self.position = reason, text, position
        message = f"{reason} at position {position}" + (f"; {hint}" if hint else "")
        super().__init__(message + ("\n" + _pointer(text, position) if text else ""))


def _pointer(text: str, position: int) -> str:
    """The line around ``position`` (80 characters at most) and a caret under the position."""
    start = text.rfind("\n", 0, position) + 1
    end = len(text) if text.find("\n", position) < 0 else text.find("\n", position)
    left = max(start, position - 40)
    right = min(end, left + 80)
    line = "".join(char if char.isprintable() else " " for char in text[left:right])
    prefix, suffix = ("..." if left > start else ""), ("..." if right < end else "")
    # Chinese city names are two columns wide on a terminal: pad the caret to match.
    width = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text[left:position])
    return f"  {prefix}{line}{suffix}\n  {' ' * (len(prefix) + width)}^"
