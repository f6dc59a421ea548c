"""Free text shown as text: names, titles and messages escaped before Streamlit's Markdown.

``st.markdown``, ``st.caption``, ``st.info``/``st.error``… read their body as Markdown (and
Streamlit's own ``:red[…]``, ``:material/…:``, ``$…$`` extensions). A ticket subject, a survey
comment, a team or wave name, a rule name or an error message come from whoever wrote the
source or the config: ``md`` backslash-escapes every character Markdown or HTML gives a meaning
to, so that ``**gras**``, ``[lien](javascript:…)``, ``<img src=x onerror=…>`` or
``:red[alerte]`` are shown exactly as written. Tables (``st.dataframe``) and Altair tooltips
show their cells as text already and need nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# CommonMark lets any ASCII punctuation be backslash-escaped. Escaped anywhere: what starts
# emphasis, code, links and images (``[``), HTML and entities (``<``, ``&``), strikethrough,
# tables, and Streamlit's extensions (``:red[…]``, ``:material/…:``, ``$…$``). ``(`` ``)``
# ``!`` mean nothing without an unescaped ``[``. Escaped at the start only: what opens a
# heading, a list or a quote there (``#``, ``-``, ``+``, ``>``, ``1.``) — so that e-mail
# addresses, paths and dates stay readable in the Markdown source.
_SPECIAL = re.compile(r"([\\`*_\[\]<>&~$:|])")
_LEADING = re.compile(r"^(\s*)(?:([#+\-=])|(\d+)([.)]))")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def md(text: object) -> str:
    """``text`` (any value, as ``str()``) escaped for a Markdown body, on one line."""
    escaped = _SPECIAL.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(text)))
    return _LEADING.sub(_escape_leading, escaped)


def _escape_leading(match: re.Match[str]) -> str:
    spaces, sign, number, after = match.groups()
    if sign:
        return f"{spaces}\\{sign}"
    return f"{spaces}{number}\\{after}"  # ``1. item``: the dot or parenthesis


def md_join(values: Iterable[object], separator: str = ", ") -> str:
    """Several values escaped and joined (``Compta, Logistique``)."""
    return separator.join(md(v) for v in values)
