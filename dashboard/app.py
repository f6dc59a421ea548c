"""The dashboard's entry point (``hypercare serve`` runs ``streamlit run dashboard/app.py``).

A router: page config, the config file, the shared filters, then the page the reader asked for.
The config comes from ``$HYPERCARE_CONFIG`` (set by ``hypercare serve``), else ``./hypercare.yaml``.
"""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

from dashboard import data
from dashboard.filters import publish, sidebar_filters
from dashboard.i18n import t
from hypercare.config import ConfigError, load_config
from metrics.store import StoreError

st.set_page_config(page_title="Hypercare", layout="wide")


def _stop_with(title: str, message: str) -> NoReturn:
    """Show a user-facing error (a sentence with its fix, no traceback) and stop the run."""
    lines = [line.replace("_", "\\_").replace("*", "\\*") for line in message.splitlines()]
    st.error(f"**{title}**\n\n" + "\n\n".join(lines))
    st.stop()


try:
    config = load_config()
except ConfigError as exc:
    _stop_with(f"{t('config_error', 'fr')} · {t('config_error', 'en')}", str(exc))
try:
    data.get_store(config.store_url)
    view = sidebar_filters(config)
except StoreError as exc:
    _stop_with(t("store_error", config.locale), str(exc))
publish(view)

pages = [
    st.Page("views/adoption.py", title=t("page_adoption", view.locale), icon=":material/groups:"),
]
st.navigation(pages).run()
