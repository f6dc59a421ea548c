"""The dashboard's entry point (``hypercare serve`` runs ``streamlit run dashboard/app.py``).

A router: page config, the config file, who is reading (``auth.py``), the shared filters, then
the pages that reader's role may open. The config comes from ``$HYPERCARE_CONFIG`` (set by
``hypercare serve``), else ``./hypercare.yaml``.
"""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

from dashboard import auth, data
from dashboard.filters import publish, sidebar_filters
from dashboard.i18n import t
from dashboard.safe_text import md
from hypercare.config import ConfigError, load_config
from metrics.store import StoreError

if "t" in st.query_params:  # a pulse-survey link: the respondent's form, and nothing else
    from dashboard.respondent import respond

    respond(st.query_params["t"])
    st.stop()
st.set_page_config(page_title="Hypercare", page_icon=":material/monitor_heart:", layout="wide")

# Page → (file, icon, roles that may open it); the first a role may open is its home page.
PAGES = {
    "overview": ("views/overview.py", ":material/dashboard:", ("manager", "ambassador")),
    "adoption": ("views/adoption.py", ":material/groups:", ("manager", "ambassador")),
    "trends": ("views/trends.py", ":material/show_chart:", ("manager", "ambassador")),
    "support": ("views/support.py", ":material/support_agent:", ("manager", "support")),
    "feedback": ("views/feedback.py", ":material/forum:", ("manager", "ambassador", "support")),
    "alerts": ("views/alerts.py", ":material/notifications:", ("manager", "ambassador", "support")),
    "reconcile": ("views/reconcile.py", ":material/compare_arrows:", ("manager", "support")),
    "pulse": ("views/pulse.py", ":material/how_to_vote:", ("manager", "ambassador")),
    "quality": ("views/quality.py", ":material/fact_check:", ("manager",)),
    "glossary": ("views/glossary.py", ":material/menu_book:", ("manager", "ambassador", "support")),
}


def _stop_with(title: str, message: str) -> NoReturn:
    """Show a user-facing error (a sentence with its fix, no traceback) and stop the run."""
    lines = [md(line) for line in message.splitlines()]
    st.error(f"**{title}**\n\n" + "\n\n".join(lines))
    st.stop()


try:
    config = load_config()
except ConfigError as exc:
    _stop_with(f"{t('config_error', 'fr')} · {t('config_error', 'en')}", str(exc))
viewer, local_mode = auth.current_viewer(config)
try:
    data.get_store(config.store_url)
    view = sidebar_filters(config, viewer, local_mode)
except StoreError as exc:
    _stop_with(t("store_error", config.locale), str(exc))
publish(view)

allowed = [(name, page) for name, page in PAGES.items() if viewer.role in page[2]]
pages = [
    st.Page(path, title=t(f"page_{name}", view.locale), icon=icon, url_path=name, default=i == 0)
    for i, (name, (path, icon, _)) in enumerate(allowed)
]
st.navigation(pages).run()
