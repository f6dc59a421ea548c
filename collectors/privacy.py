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

# E-mail addresses, also written the way people dodge spam filters (``jean [at] x (dot) fr``).
_AT = r"(?:@|\s?[\[({]\s?(?:at|arobase)\s?[\])}]\s?)"
_DOT = r"(?:\.|\s?[\[({]\s?(?:dot|point)\s?[\])}]\s?)"
_EMAIL = re.compile(
    rf"(?<![\w.+'-])[^\W_][\w.+'-]*{_AT}(?:[\w-]+{_DOT})+(?P<tld>[^\W\d_]{{2,24}})(?![\w@-])",
    re.IGNORECASE,
)
# ``logo@2x.png`` is a file name, not an address.
_FILE_SUFFIXES = frozenset(
    [
        "png",
        "jpg",
        "jpeg",
        "gif",
        "svg",
        "webp",
        "bmp",
        "ico",
        "pdf",
        "csv",
        "xls",
        "xlsx",
        "doc",
        "docx",
        "txt",
        "log",
        "json",
        "xml",
        "zip",
    ]
)

# Phone numbers. Each shape is tried where no word, ``+`` or ``@`` comes just before and no
# ``digit + separator`` either (``2026-0612-3456`` is a lot number, ``0,06 12,34`` amounts).
_BEFORE = r"(?<![\w+@])(?<!\d[.,/-])"
_AFTER = r"(?![\w@])(?![.,/-]\d)"
_PHONE = re.compile(
    _BEFORE
    + r"(?:"
    # French and Belgian numbers: 06 12 34 56 78, 06.12.34.56.78, 0612345678 (one separator)
    + r"(?P<fr>0[1-9](?P<sep>[\s.-]?)\d{2}(?:(?P=sep)\d{2}){3})"
    # 0800 12 34 56, 0470 12 34 56
    + r"|(?P<fr4>0\d{3}(?P<sep4>[\s.-])\d{2}(?:(?P=sep4)\d{2}){2})"
    # 0 800 123 456
    + r"|(?P<fr1>0(?P<sep1>[\s.])\d{3}(?:(?P=sep1)\d{3}){2})"
    # international: +33 6 12 34 56 78, +33 (0)6…, 0033 6…, +44 20 7946 0958, +1 (415) 555-0132
    + r"|(?P<intl>(?:\+|00)[1-9]\d{0,2}[\s.-]?(?:\(0\)[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?"
    + r"\d{1,4}(?:[\s.-]?\d{2,4}){1,5})"
    # North American without the country code: (415) 555-0132, 415-555-0199
    + r"|(?P<nanp>\(\d{3}\)\s?\d{3}[-.\s]\d{4}|\d{3}-\d{3}-\d{4})"
    + r")"
    + _AFTER
)
# A number right after these words is a reference (invoice, order, SIRET…), not a phone.
_REFERENCE_BEFORE = re.compile(
    r"(?:\bn[°º]|\bno\.|#|\br[ée]f\.?|\bcommande|\bfacture|\border|\binvoice|\bdossier"
    r"|\bcontrat|\bclient|\bsiret|\bsiren|\biban|\brib|\blot|\bcode|\bticket|\bcmd)\s*[:.]?\s*$",
    re.IGNORECASE,
)
# An amount or a count, not a phone: ``+12 000 000 €``, ``+1 250 000 lignes``.
_QUANTITY_AFTER = re.compile(
    r"\s?(?:€|%|\$|£|eur\b|euros?\b|k€|m€|pts?\b|points?\b|lignes?\b|lines?\b|licences?\b"
    r"|users?\b|utilisateurs?\b)",
    re.IGNORECASE,
)

PII_EMAIL = "email"
PII_PHONE = "phone"
PLACEHOLDERS = {PII_EMAIL: "[e-mail]", PII_PHONE: "[téléphone]"}


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


def find_emails(text: str) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the e-mail addresses in ``text``."""
    return [
        m.span() for m in _EMAIL.finditer(text) if m.group("tld").casefold() not in _FILE_SUFFIXES
    ]


def _phone_digits(match: re.Match[str]) -> int:
    digits = sum(c.isdigit() for c in match.group())
    return digits - 2 if match.group().startswith("00") else digits


def find_phones(text: str) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the phone numbers in ``text`` (French in every common shape,
    international with ``+`` or ``00``, North American); references, amounts, dates and
    identifiers that merely look like numbers are left out."""
    spans = []
    for m in _PHONE.finditer(text):
        if m.group("intl") is not None and not 8 <= _phone_digits(m) <= 15:
            continue
        if _REFERENCE_BEFORE.search(text, max(0, m.start() - 20), m.start()):
            continue
        if _QUANTITY_AFTER.match(text, m.end()):
            continue
        spans.append(m.span())
    return spans


def find_pii(text: str) -> list[tuple[str, int, int]]:
    """``(kind, start, end)`` of each e-mail address and phone number in ``text``, in order;
    a phone-looking part of an address counts as the address only."""
    emails = [(PII_EMAIL, a, b) for a, b in find_emails(text)]
    phones = [
        (PII_PHONE, a, b)
        for a, b in find_phones(text)
        if not any(a < e_end and e_start < b for _, e_start, e_end in emails)
    ]
    return sorted(emails + phones, key=lambda span: span[1])


def scrub_text(text: str) -> str:
    """Replace e-mail addresses and phone numbers in free text by placeholders
    (``[e-mail]``, ``[téléphone]``)."""
    spans = find_pii(text)
    if not spans:
        return text
    parts, last = [], 0
    for kind, start, end in spans:
        parts += [text[last:start], PLACEHOLDERS[kind]]
        last = end
    parts.append(text[last:])
    return "".join(parts)
