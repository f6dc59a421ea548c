"""Who is reading: the viewer comes from ``st.user`` when OIDC login is configured, else the app
runs in a clearly labelled local mode with a manager's rights.

Streamlit adds ``is_logged_in`` to ``st.user`` only when ``.streamlit/secrets.toml`` has an
``[auth]`` section, which is how "configured" is told apart from "local". A logged-in address
gets its role from the ``roles:`` config section (``metrics.access``); an address listed nowhere
(or a config without the section) gets no access at all.
"""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import t
from dashboard.safe_text import md
from hypercare.config import Config
from metrics.access import RolesConfig, viewer_for
from metrics.viewer import MANAGER, Viewer


def roles_of(config: Config) -> RolesConfig | None:
    """The parsed ``roles:`` section, or None while it is absent (or not registered yet)."""
    roles = config.sections.get("roles")
    return roles if isinstance(roles, RolesConfig) else None


def current_viewer(config: Config) -> tuple[Viewer, bool]:
    """The viewer of this session and whether it is the local mode; stops the run with a
    login button or an access-denied message when there is nobody to show data to."""
    user = st.user.to_dict()
    locale = config.locale
    if "is_logged_in" not in user:
        return MANAGER, True
    if not user["is_logged_in"]:
        st.title("Hypercare")
        st.info(t("login_needed", locale), icon=":material/lock:")
        st.button(t("login", locale), on_click=st.login, key="login", type="primary")
        st.stop()
    email = user.get("email")
    viewer = viewer_for(email if isinstance(email, str) else None, roles_of(config))
    if viewer is None:
        st.title("Hypercare")
        st.error(t("access_denied", locale, email=md(email or "?")), icon=":material/block:")
        st.button(t("logout", locale), on_click=st.logout, key="logout")
        st.stop()
    return viewer, False
