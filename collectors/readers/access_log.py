"""Access-log reader: Apache/nginx ``combined`` and ``common``, nginx ``main`` with
``$http_x_forwarded_for``, and an optional trailing ``$request_time``.

Streams the file line by line in binary (bounded memory) and decodes each line as UTF-8 with
``backslashreplace``: logs are not guaranteed UTF-8, and an undecodable byte becomes ``\\xhh``
text instead of failing the file. A log has no header line, so each non-blank line is one row
whose ``line`` and ``number`` are both its physical line number. A line that does not have the
``host ident user [time] "request" status bytes`` head becomes a row with ``values=None`` and a
short reason, so that it is quarantined with its raw text.

The columns offered (see ``HEADER``) include the ones the usage kind reads by default: ``time``
(ISO 8601 with its offset), ``user`` (the login when there is one, else the client address),
``feature`` (the first path segment), ``action`` (``METHOD /path/{id}`` with numeric and UUID
segments replaced so that actions group), ``status`` and ``duration_ms``.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import zlib
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, TYPE_CHECKING

from collectors.formats import Resume
from collectors.readers import FileError, FileReading, RawRow

if TYPE_CHECKING:
    from hypercare.config import SourceConfig

HEADER = [
    "time",
    "remote_addr",
    "remote_user",
    "client",
    "user",
    "method",
    "path",
    "protocol",
    "request",
    "status",
    "bytes",
    "referer",
    "user_agent",
    "x_forwarded_for",
    "feature",
    "action",
    "duration_ms",
    "line_id",
]
MAX_LINE_BYTES = 1 << 20  # a longer line is refused (Apache caps a request line at 8 KiB)
ACTION_LIMIT = 200  # the store's action and feature columns hold 200 characters
_NOT_COMBINED = "line does not match the combined log format"

# host ident user [time] "request" status bytes — the request may hold \" and \\ escapes.
_HEAD = re.compile(
    r"(?P<host>\S+)\s+(?P<ident>\S+)\s+(?P<user>\S+)\s+\[(?P<time>[^\]]*)\]\s+"
    r'"(?P<request>(?:[^"\\]|\\.)*)"\s+(?P<status>\d{3})\s+(?P<bytes>\d+|-)(?=\s|$)'
)
# The same, for a request holding an unescaped quote or ending in a lone backslash (old Apache).
_HEAD_LENIENT = re.compile(
    r"(?P<host>\S+)\s+(?P<ident>\S+)\s+(?P<user>\S+)\s+\[(?P<time>[^\]]*)\]\s+"
    r'"(?P<request>.*?)"\s+(?P<status>\d{3})\s+(?P<bytes>\d+|-)(?=\s|$)'
)
# After the head: quoted fields (the last one may be cut short by the end of the line) or bare ones.
_FIELD = re.compile(r'\s*(?:"(?P<quoted>(?:[^"\\]|\\.)*\\?)(?:"|$)|(?P<bare>\S+))')
_UNESCAPE = re.compile(r"\\([\"\\])")
_TIME = re.compile(
    r"\s*(?P<d>\d{1,2})/(?P<mon>[A-Za-z]{3})/(?P<y>\d{4}):(?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})"
    r"(?P<frac>\.\d{1,6})?(?:\s*(?P<tzh>[+-]\d{2}):?(?P<tzm>\d{2})|\s*Z)?\s*"
)
_MONTHS = {
    m: f"{i:02d}"
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
# METHOD target [HTTP/x]; the target may hold unencoded spaces (seen in real logs).
_REQUEST = re.compile(
    r"(?P<method>[A-Za-z][A-Za-z_-]*) +(?P<target>[^ ].*?)(?: +(?P<proto>[Hh][Tt][Tt][Pp]/\S*))?"
)
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_REQUEST_TIME = re.compile(r"\d+\.\d+")
_NUMERIC = re.compile(r"\d+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ABSENT = ("", "-")


def read(path: Path, source: SourceConfig, resume: Resume | None = None) -> FileReading:
    """The reader entry point: the source's options do not change how a log line is read.

    A gzip-compressed ``.gz`` file (a rotated ``access.log.2.gz``) is read as the log it holds.
    """
    try:
        compressed = False
        if path.name.endswith(".gz"):
            with open(path, "rb") as probe:
                compressed = probe.read(3) == b"\x1f\x8b\x08"
        handle: IO[bytes] = gzip.open(path, "rb") if compressed else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise FileError(f"{path}: cannot open the file ({exc.strerror or exc})") from exc
    first_line = 0
    if resume is not None and not compressed:
        handle.seek(resume.offset)
        first_line = resume.line
    return FileReading(header=list(HEADER), rows=_rows(path, handle, first_line))


def _rows(path: Path, handle: IO[bytes], first_line: int = 0) -> Iterator[RawRow]:
    try:
        line_no = first_line
        while True:
            try:
                data = handle.readline(MAX_LINE_BYTES + 1)
            except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
                raise FileError(
                    f"{path}: line {line_no + 1}: the compressed file is damaged ({exc})"
                ) from exc
            if not data:
                return
            line_no += 1
            too_long = len(data) > MAX_LINE_BYTES and not data.endswith(b"\n")
            if too_long:
                _skip_rest_of_line(path, handle, line_no)
            text = data.decode("utf-8", errors="backslashreplace")
            text = text.removesuffix("\n").removesuffix("\r")
            if too_long:
                hint = f"the line is longer than {MAX_LINE_BYTES} bytes"
                yield RawRow(line_no, line_no, None, _printable(text), f"{_NOT_COMBINED}: {hint}")
                continue
            if not text.strip():
                continue  # a blank line is not a row
            raw = _printable(text)
            values, hint = parse_line(text)
            if values is None:
                yield RawRow(line_no, line_no, None, raw, f"{_NOT_COMBINED}: {hint}")
            else:
                yield RawRow(line_no, line_no, values, raw)
    finally:
        handle.close()


def _skip_rest_of_line(path: Path, handle: IO[bytes], line_no: int) -> None:
    """Read past the end of an overlong line, a chunk at a time: memory stays bounded."""
    try:
        while (rest := handle.readline(1 << 16)) and not rest.endswith(b"\n"):
            pass
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise FileError(f"{path}: line {line_no}: the compressed file is damaged ({exc})") from exc


def parse_line(text: str) -> tuple[dict[str, str] | None, str]:
    """The values of one log line (without its newline), or None and a short hint why not."""
    text = _printable(text).strip()
    head = _HEAD.match(text) or _HEAD_LENIENT.match(text)
    if head is None:
        return None, _hint(text)
    time = iso_time(head["time"])
    if time is None:
        return None, f"the time [{_short(head['time'])}] is not dd/Mon/yyyy:HH:MM:SS +zzzz"

    quoted: list[str] = []
    last_bare = ""
    position = head.end()
    while position < len(text):
        field = _FIELD.match(text, position)
        if field is None or field.end() == position:
            break  # only trailing spaces are left
        position = field.end()
        if field["quoted"] is not None:
            quoted.append(_unescape(field["quoted"]))
            last_bare = ""
        else:
            last_bare = field["bare"]
    referer = quoted[0] if len(quoted) > 0 else ""
    user_agent = quoted[1] if len(quoted) > 1 else ""
    forwarded = quoted[2] if len(quoted) > 2 else ""

    remote_addr = head["host"]
    remote_user = head["user"]
    client = remote_addr
    first_forwarded = forwarded.split(",", 1)[0].strip()
    if first_forwarded not in _ABSENT and first_forwarded.casefold() != "unknown":
        client = first_forwarded
    user = remote_user if remote_user not in _ABSENT else client

    request = _unescape(head["request"])
    method, path, protocol, feature, action = split_request(request)
    duration = ""
    if last_bare and _REQUEST_TIME.fullmatch(last_bare):
        duration = seconds_to_ms(last_bare)
    values = {
        "time": time,
        "remote_addr": remote_addr,
        "remote_user": "" if remote_user in _ABSENT else remote_user,
        "client": client,
        "user": user,
        "method": method,
        "path": path,
        "protocol": protocol,
        "request": request,
        "status": head["status"],
        "bytes": "0" if head["bytes"] == "-" else head["bytes"],  # CLF writes - for 0 bytes
        "referer": "" if referer in _ABSENT else referer,
        "user_agent": "" if user_agent in _ABSENT else user_agent,
        "x_forwarded_for": "" if forwarded in _ABSENT else forwarded,
        "feature": feature,
        "action": action,
        "duration_ms": duration,
        # Identical lines are one event; two different requests in the same second are two.
        "line_id": hashlib.blake2b(
            text.encode("utf-8", "backslashreplace"), digest_size=8
        ).hexdigest(),
    }
    return values, ""


def iso_time(text: str) -> str | None:
    """``17/May/2015:10:05:03 +0000`` → ``2015-05-17T10:05:03+00:00`` (None if not that shape).

    The date itself is not checked here (``31/Feb``): the date parser of the pipeline refuses it.
    """
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    month = _MONTHS.get(match["mon"].casefold())
    if month is None:
        return None
    iso = (
        f"{match['y']}-{month}-{int(match['d']):02d}T{match['H']}:{match['M']}:{match['S']}"
        f"{match['frac'] or ''}"
    )
    if match["tzh"] is not None:
        return f"{iso}{match['tzh']}:{match['tzm']}"
    if text.rstrip().endswith("Z"):
        return f"{iso}+00:00"
    return iso  # no offset: the source's time zone applies


def split_request(request: str) -> tuple[str, str, str, str, str]:
    """Method, path (no query string), protocol, feature and action of a request line.

    A request that is not ``METHOD target [PROTOCOL]`` (``-``, binary junk from a TLS handshake
    sent to a plain-HTTP port…) keeps its text, cut to 200 characters, as action, with no method.
    """
    match = _REQUEST.fullmatch(request.strip())
    if match is None:
        return "", "", "", "", request[:ACTION_LIMIT]
    method, target = match["method"], match["target"]
    absolute = _ABSOLUTE.match(target)
    if absolute is not None:  # absolute form, as sent to a proxy: keep the path
        slash = target.find("/", absolute.end())
        target = target[slash:] if slash >= 0 else "/"
    elif not target.startswith(("/", "*")) and method.upper() != "CONNECT":
        return "", "", "", "", request[:ACTION_LIMIT]
    path = target.split("?", 1)[0].split("#", 1)[0] or "/"
    normalized = normalize_path(path)
    segments = [s for s in normalized.split("/") if s]
    feature = segments[0] if segments and normalized.startswith("/") else normalized
    return (
        method,
        path,
        match["proto"] or "",
        feature[:ACTION_LIMIT],
        f"{method} {normalized}"[:ACTION_LIMIT],
    )


def normalize_path(path: str) -> str:
    """Numeric and UUID segments as ``{id}``: ``/invoices/12/pdf`` → ``/invoices/{id}/pdf``."""
    return "/".join(
        "{id}" if _NUMERIC.fullmatch(s) or _UUID.fullmatch(s) else s for s in path.split("/")
    )


def seconds_to_ms(text: str) -> str:
    """``0.123`` (seconds) → ``123`` (milliseconds), exactly."""
    try:
        return format(Decimal(text).scaleb(3).normalize(), "f")
    except InvalidOperation:
        return ""


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text) if "\\" in text else text


def _printable(text: str) -> str:
    """Control characters (a NUL cannot be stored in PostgreSQL text) written as ``\\xhh``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _hint(text: str) -> str:
    """Why a line is not ``host ident user [time] "request" status bytes`` (a few words)."""
    bracket = text.find(" [")
    if bracket < 0 or "]" not in text[bracket:]:
        return "no [time] field"
    before = text[:bracket].split()
    if len(before) != 3:
        return f"expected host, ident and user before [time], found {len(before)} field(s)"
    after = text[text.index("]", bracket) + 1 :].lstrip()
    if not after.startswith('"') or after.count('"') < 2:
        return 'no quoted "request" after [time]'
    return 'no status and bytes after the "request"'
