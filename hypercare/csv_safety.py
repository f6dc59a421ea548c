"""Cells safe to open in a spreadsheet (CSV injection, OWASP's guidance).

Every CSV or spreadsheet Hypercare writes — the dashboard's downloads, ``hypercare backlog
--format csv``, ``hypercare quarantine --format csv`` — passes its cells through ``safe_cell``:
a text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
``'``, so that Excel, LibreOffice or Google Sheets show it as text instead of evaluating it as a
formula (``=HYPERLINK("http://evil", "x")`` in a ticket subject stays a ticket subject). Numbers
stay numbers: only text is touched, so a numeric cell (``-12.5``) is written as it is and still
sums; a text such as ``-2`` or ``+33 6…`` is text and gets its ``'`` like any other.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet may safely open it: a text that a spreadsheet would read as a
    formula gets a leading ``'``; numbers and other values are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
