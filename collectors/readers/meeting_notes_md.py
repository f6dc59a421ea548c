"""Follow-up meeting notes written in Markdown: one point per bullet, under a dated heading.

```
## 2026-06-03 — Comptabilité — Point J+30
Auteur : DE0042
Lien : https://intranet.example/cr/2026-06-03
- L'export FEC est refusé par le cabinet
- Le lettrage automatique est lent
  (suite du point : une ligne en retrait continue le point)
```

A level-2 heading (``##``) opens a meeting: its date, then the team, then an optional title,
separated by an em dash, an en dash, `` - ``, ``|`` or ``:``. Lines ``Auteur :`` / ``Author:``
and ``Lien :`` / ``Link:`` under it name the note-taker and the minutes' address. Each bullet
(``-``, ``*``, ``+`` or ``1.``) is one row with the columns ``date``, ``team``, ``meeting``,
``author``, ``link`` and ``note``; an indented line continues the bullet above, a blank line ends
it. Other lines (a ``#`` title, paragraphs) are not rows. A bullet before any ``##`` heading is a
row that cannot be read (it is quarantined). A row's line is the bullet's first line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from collectors.readers import FileError, FileReading, RawRow
from collectors.readers.csv import detect_encoding

if TYPE_CHECKING:
    from hypercare.config import SourceConfig

COLUMNS = ["date", "team", "meeting", "author", "link", "note"]
_HEADING = re.compile(r"^##(?!#)\s*(?P<text>.*?)\s*#*\s*$")
_SPLIT = re.compile(r"\s+[—–|:-]\s+|\s*[—–|]\s*")
_BULLET = re.compile(r"^(?:[-*+]|\d{1,3}[.)])(?:\s+(?P<text>.*))?$")
_META = re.compile(
    r"^(?P<key>auteur|author|rédacteur|redacteur|lien|link)\s*:\s*(?P<value>.*)$", re.IGNORECASE
)
_AUTHOR_KEYS = {"auteur", "author", "rédacteur", "redacteur"}


def split_heading(text: str) -> tuple[str, str, str]:
    """``2026-06-03 — Comptabilité — Point J+30`` → (date, team, meeting title)."""
    parts = [p.strip() for p in _SPLIT.split(text.strip(), maxsplit=2)]
    parts += [""] * (3 - len(parts))
    return parts[0], parts[1], parts[2]


def read(path: Path, source: SourceConfig) -> FileReading:
    """The reader entry point: the bullets of ``path`` as rows."""
    encoding = source.csv.encoding
    if encoding == "auto":
        encoding = detect_encoding(path)
    elif encoding == "utf-8":
        encoding = "utf-8-sig"
    try:
        text = path.read_text(encoding=encoding)
    except OSError as exc:
        raise FileError(f"{path}: cannot open the file ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise FileError(
            f"{path}: the file is not {encoding} text; set csv.encoding to its encoding"
        ) from exc
    return FileReading(header=list(COLUMNS), rows=_rows(text.splitlines()))


def _rows(lines: list[str]) -> Iterator[RawRow]:
    meeting: dict[str, str] | None = None
    bullet: tuple[int, list[str]] | None = None  # (first line, its lines)
    number = 0

    def finish() -> RawRow:
        nonlocal number
        assert bullet is not None
        start, parts = bullet
        number += 1
        raw = "\n".join(parts)
        first = _BULLET.match(parts[0].strip())
        head = (first.group("text") or "") if first else parts[0].strip()
        note = " ".join([head.strip(), *(p.strip() for p in parts[1:])]).strip()
        if meeting is None:
            reason = "a point outside any meeting: put it under a '## <date> — <team>' heading"
            return RawRow(start, number, None, raw, reason)
        return RawRow(start, number, {**meeting, "note": note}, raw)

    for index, line in enumerate(lines, start=1):
        stripped = line.strip()
        heading = _HEADING.match(stripped) if not line[:1].isspace() else None
        if heading is not None:
            if bullet is not None:
                yield finish()
                bullet = None
            date, team, title = split_heading(heading.group("text"))
            meeting = {"date": date, "team": team, "meeting": title, "author": "", "link": ""}
            continue
        if not stripped:
            if bullet is not None:
                yield finish()
                bullet = None
            continue
        if bullet is not None and line[:1].isspace():
            bullet[1].append(line)
            continue
        if _BULLET.match(stripped) and not line[:1].isspace():
            if bullet is not None:
                yield finish()
            bullet = (index, [line])
            continue
        if bullet is not None:
            yield finish()
            bullet = None
        meta = _META.match(stripped)
        if meta is not None and meeting is not None:
            key = "author" if meta.group("key").casefold() in _AUTHOR_KEYS else "link"
            meeting[key] = meta.group("value").strip()
    if bullet is not None:
        yield finish()
