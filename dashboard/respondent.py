"""The respondent's page of a pulse survey: what a ``?t=<token>`` link opens, and nothing else.

The link is the credential: no login, no sidebar, no other page. The form is one column with
large controls (a phone is the usual screen), in the respondent's language (``?lang=``, else the
link's, else the browser's, else the config's, with a switch), and ends on a thank-you screen.
The checks and the writing are ``surveys.pulse`` (a second answer is refused there, even racing).
"""

from __future__ import annotations

import datetime as dt
import logging

import streamlit as st

from dashboard import data, i18n
from dashboard.i18n import t
from hypercare.config import Config, ConfigError, load_config
from metrics.store import StoreError
from surveys import pulse
from surveys.pulse_config import Question

LOG = logging.getLogger(__name__)
_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] {display: none;}
div[role="radiogroup"] label {font-size: 1.05rem; padding: 0.35rem 0.6rem 0.35rem 0;
  min-height: 2.4rem;}
div[role="radiogroup"] {gap: 0.2rem 0.6rem; flex-wrap: wrap;}
.stFormSubmitButton button {min-height: 3.2rem; font-size: 1.1rem;}
textarea {font-size: 1.05rem !important;}
</style>
"""


def _language(config: Config | None, claim: pulse.Claim | None) -> str:
    chosen = st.query_params.get("lang")
    if chosen in ("fr", "en"):
        return chosen
    if claim is not None and claim.lang in ("fr", "en"):
        return claim.lang
    browser = (st.context.locale or "")[:2].casefold()
    if browser in ("fr", "en"):
        return browser
    return config.locale if config is not None else "fr"


def _switch(lang: str) -> str:
    picked = st.segmented_control(
        t("pl_language", lang),
        ["fr", "en"],
        default=lang,
        format_func=lambda code: {"fr": "Français", "en": "English"}[code],
        key="pl_lang",
        label_visibility="collapsed",
    )
    if picked and picked != lang:
        st.query_params["lang"] = picked
        return picked
    return lang


def _scale_labels(key: str, lang: str) -> list[str]:
    return t(key, lang).split("|")


def _question(q: Question, number: int, lang: str, ces_scale: int) -> None:
    label = f"{number}. {q.text.get(lang)}"
    key = f"q_{q.id}"
    if q.instrument == "comment":
        st.text_area(label, key=key, max_chars=pulse.COMMENT_LIMIT, height=110)
        return
    if q.instrument == "choice":
        labels = {o.id: o.label.get(lang) for o in q.options}
        st.radio(label, list(labels), format_func=labels.get, index=None, key=key)
        return
    if q.instrument in ("csat", "sus"):
        words = _scale_labels(f"pl_scale_{q.instrument}", lang)
        st.radio(
            label,
            [1, 2, 3, 4, 5],
            format_func=lambda v: f"{v} · {words[v - 1]}",
            index=None,
            key=key,
        )
        return
    low, high, caption = {
        "nps": (0, 10, f"{t('pl_nps_low', lang)} · {t('pl_nps_high', lang)}"),
        "ces": (1, ces_scale, f"{t('pl_ces_low', lang)} · {t('pl_ces_high', lang, n=ces_scale)}"),
        "umux_lite": (1, 7, f"{t('pl_umux_low', lang)} · {t('pl_umux_high', lang)}"),
    }[q.instrument]
    st.radio(label, list(range(low, high + 1)), horizontal=True, index=None, key=key)
    st.caption(caption)


def _refusal(error: pulse.PulseError, lang: str) -> None:
    when = error.details.get("closes") or error.details.get("opens")
    params = {"date": i18n.date(when, lang)} if isinstance(when, dt.date) else {}
    known = ("used", "invalid", "closed", "not_open", "unknown", "audience")
    if error.code not in known:
        LOG.error("pulse survey page: %s", error)
    message = t(f"pl_{error.code}" if error.code in known else "pl_unavailable", lang, **params)
    if error.code == "used":
        st.info(message, icon=":material/check_circle:")
    elif error.code in ("closed", "not_open"):
        st.warning(message, icon=":material/event_busy:")
    else:
        st.error(message, icon=":material/link_off:")


def respond(token: str) -> None:
    """Run the respondent's page for the link's token (the router stops after it)."""
    st.set_page_config(page_title="Hypercare", page_icon=":material/forum:", layout="centered")
    st.html(_CSS)
    try:
        config = load_config()
    except ConfigError as exc:
        LOG.error("pulse survey page: %s", exc)
        lang = _language(None, None)
        st.error(t("pl_unavailable", lang), icon=":material/error:")
        return
    try:
        claim = pulse.read_token(config, token, dt.datetime.now(config.tz).date())
    except pulse.PulseError as exc:
        lang = _switch(_language(config, None))
        _refusal(exc, lang)
        return
    lang = _switch(_language(config, claim))
    if st.session_state.get("pl_done") == token:
        st.success(
            f"**{t('pl_thanks_title', lang)}** {t('pl_thanks', lang)}", icon=":material/favorite:"
        )
        return
    try:
        store = data.get_store(config.store_url)
        opened = pulse.open_link(store, config, token, dt.datetime.now(config.tz).date())
    except pulse.PulseError as exc:
        _refusal(exc, lang)
        return
    except StoreError as exc:
        LOG.error("pulse survey page: %s", exc)
        st.error(t("pl_unavailable", lang), icon=":material/error:")
        return
    survey = opened.round.survey
    settings = pulse.survey_settings(config)
    st.title(survey.title.get(lang))
    if survey.intro is not None:
        st.write(survey.intro.get(lang))
    st.caption(
        t("pl_round", lang, round=opened.round.label, date=i18n.date(opened.round.closes, lang))
        + " "
        + t("pl_duration", lang)
    )
    note = (
        t("pl_anonymous_note", lang, n=config.privacy.min_group_size)
        if survey.anonymous
        else t("pl_identified_note", lang)
    )
    st.info(note, icon=":material/lock:" if survey.anonymous else ":material/badge:")
    with st.form("pulse_form", border=False):
        for number, q in enumerate(survey.questions, start=1):
            _question(q, number, lang, settings.ces.scale)
        sent = st.form_submit_button(
            t("pl_submit", lang), type="primary", use_container_width=True, key="pl_submit"
        )
    if not sent:
        return
    answers = {q.id: st.session_state.get(f"q_{q.id}") for q in survey.questions}
    try:
        pulse.submit(store, config, opened, answers)
    except pulse.PulseError as exc:
        if exc.code == "answers" and exc.details.get("missing"):
            ids = [q.id for q in survey.questions]
            numbers = ", ".join(str(ids.index(m) + 1) for m in exc.details["missing"])
            st.error(t("pl_missing", lang, numbers=numbers), icon=":material/error:")
        else:
            _refusal(exc, lang)
        return
    st.session_state["pl_done"] = token
    st.rerun()
