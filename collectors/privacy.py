"""Pseudonymization of identifiers and scrubbing of free text (RGPD).

Every collector goes through the same ``Pseudonymizer`` so that the roster, surveys and logs still
join on the same person: identifiers are trimmed and case-folded, then hashed with HMAC-SHA-256
under the company's secret key. Without a key (pseudonymization explicitly disabled) the
normalized identifier is stored as it is.
"""

from __future__ import annotations

import hashlib
import hmac
import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"(?:(?:\+|00)\d{1,3}[\s.-]?(?:\(0\)[\s.-]?)?\d|0\d)(?:[\s.-]?\d{2}){4}"  # French style
    r"|\+\d[\d\s.()-]{7,16}\d"  # other international numbers
    r")(?!\w)"
)


def normalize_identifier(raw: str) -> str:
    """The form under which an identifier is compared: trimmed and case-folded."""
    return raw.strip().casefold()


class Pseudonymizer:
    """Maps an identifier to its pseudonym (32 hex digits of HMAC-SHA-256 under ``key``)."""

    def __init__(self, key: bytes | None) -> None:
        self.key = key
        self._cache: dict[str, str] = {}

    def __call__(self, raw: str) -> str:
        cached = self._cache.get(raw)
        if cached is not None:
            return cached
        normalized = normalize_identifier(raw)
        if self.key is None:
            result = normalized
        else:
            result = hmac.new(self.key, normalized.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
        if len(self._cache) < 200_000:
            self._cache[raw] = result
        return result

    def __repr__(self) -> str:  # never show the key
        return f"Pseudonymizer(keyed={self.key is not None})"


def scrub_text(text: str) -> str:
    """Replace e-mail addresses and phone numbers in free text by placeholders."""
    return _PHONE.sub("[téléphone]", _EMAIL.sub("[e-mail]", text))
