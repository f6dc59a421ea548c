"""Altair charts of the adoption page beyond the per-team bars and the trend: the funnel, the
waves on a go-live-relative axis, the weekly lifecycle, frequency bands and the feature × team
heat map. Pure functions from small frames to charts (no Streamlit), conventions of
``charts.py``: dashed target rules, tooltips in the reader's words and numbers."""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard import i18n
from dashboard.charts import ALL_COLOR, target_rule
from dashboard.i18n import t

FUNNEL_STAGES = ("licensed", "activated", "weekly_active")
FUNNEL_COLORS = ("#9fb7d3", "#4e79a7", "#2e7d5b")
LIFECYCLE = {
    "new": "#59a14f",
    "resurrecting": "#8cd17d",
    "returning": "#4e79a7",
    "dormant": "#e15759",
}
BANDS = {
    "inactive": "#d4d8de",
    "occasional": "#f1ce63",
    "regular": "#86bcb6",
    "frequent": "#2e7d5b",
}
WAVE_PALETTE = ("#1f2937", "#f28e2b", "#4e79a7", "#b07aa1", "#59a14f", "#e15759", "#76b7b2")


def funnel(licensed: int, activated: int, weekly_active: int, locale: str) -> alt.LayerChart:
    """Licensed → activated → weekly active, as bars labelled with people and share."""
    counts = (licensed, activated, weekly_active)
    frame = pd.DataFrame(
        {
            "stage": [t(f"funnel_{s}", locale) for s in FUNNEL_STAGES],
            "people": counts,
            "share": [i18n.percent(n / licensed if licensed else None, locale) for n in counts],
            "count": [i18n.number(n, locale) for n in counts],
        }
    )
    frame["label"] = frame["count"] + " · " + frame["share"]
    order = frame["stage"].tolist()
    base = alt.Chart(frame).encode(
        y=alt.Y("stage:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
        x=alt.X("people:Q", title=t("people", locale), axis=alt.Axis(tickMinStep=1)),
    )
    bars = base.mark_bar(cornerRadiusEnd=3, height=alt.RelativeBandSize(0.7)).encode(
        color=alt.Color(
            "stage:N", scale=alt.Scale(domain=order, range=list(FUNNEL_COLORS)), legend=None
        ),
        tooltip=[
            alt.Tooltip("stage:N", title=t("stage", locale)),
            alt.Tooltip("count:N", title=t("people", locale)),
            alt.Tooltip("share:N", title=t("share_of_licensed", locale)),
        ],
    )
    labels = base.mark_text(align="left", dx=4, fontSize=12).encode(text="label:N")
    return (
        alt.layer(bars, labels)
        .properties(height=alt.Step(36))
        .configure(locale=i18n.vega_locale(locale))
    )


def waves_since_go_live(
    frame: pd.DataFrame, target: float | None, locale: str, waves: list[str]
) -> alt.LayerChart:
    """One adoption line per wave against the days since its go-live; the first wave (the
    pilot) is the thick reference line. ``frame``: ``wave``, ``day``, ``adoption_rate``."""
    data = frame.dropna(subset=["adoption_rate"]).copy()
    data["adoption"] = [i18n.percent(v, locale) for v in data["adoption_rate"]]
    data["days"] = [f"J+{d}" if locale == "fr" else f"D+{d}" for d in data["day"]]
    data["reference"] = ["pilot" if w == waves[0] else "wave" for w in data["wave"]]
    domain = [w for w in waves if w in set(data["wave"])]
    color = alt.Color(
        "wave:N",
        scale=alt.Scale(domain=domain, range=list(WAVE_PALETTE[: len(domain)])),
        legend=alt.Legend(title=None, orient="bottom", symbolType="stroke"),
    )
    base = alt.Chart(data).encode(
        x=alt.X("day:Q", title=t("days_since_go_live", locale), axis=alt.Axis(tickMinStep=7)),
        y=alt.Y(
            "adoption_rate:Q",
            title=i18n.kpi_label("adoption_rate", locale),
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format=".0%"),
        ),
        color=color,
    )
    lines = base.mark_line(interpolate="monotone").encode(
        strokeWidth=alt.StrokeWidth(
            "reference:N",
            scale=alt.Scale(domain=["pilot", "wave"], range=[3.5, 1.8]),
            legend=None,
        )
    )
    hover = base.mark_circle(size=60, opacity=0).encode(
        tooltip=[
            alt.Tooltip("wave:N", title=t("wave", locale)),
            alt.Tooltip("days:N", title=t("days_since_go_live", locale)),
            alt.Tooltip("adoption:N", title=i18n.kpi_label("adoption_rate", locale)),
        ]
    )
    layers: list[alt.Chart | alt.LayerChart] = [lines, hover]
    if target is not None:
        layers.append(target_rule(target, "y", locale))
    return alt.layer(*layers).properties(height=320).configure(locale=i18n.vega_locale(locale))


def lifecycle(frame: pd.DataFrame, locale: str) -> alt.LayerChart:
    """Weekly stacked bars: new, resurrecting, returning above zero, dormant below.
    ``frame``: ``week`` and one column per state (dormant already negative)."""
    states = list(LIFECYCLE)
    long = frame.melt(id_vars=["week"], value_vars=states, var_name="state", value_name="people")
    long["state_label"] = [t(f"life_{s}", locale) for s in long["state"]]
    long["count"] = [i18n.number(abs(v), locale) for v in long["people"]]
    long["week_label"] = [i18n.date(pd.Timestamp(w).date(), locale) for w in long["week"]]
    long["order"] = [states.index(s) for s in long["state"]]
    labels = [t(f"life_{s}", locale) for s in states]
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X(
                "week:T",
                title=None,
                axis=alt.Axis(format="%d/%m" if locale == "fr" else "%b %d", labelAngle=0),
            ),
            y=alt.Y("people:Q", title=t("people", locale), stack="zero"),
            color=alt.Color(
                "state_label:N",
                scale=alt.Scale(domain=labels, range=list(LIFECYCLE.values())),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("week_label:N", title=t("week_of", locale)),
                alt.Tooltip("state_label:N", title=t("state", locale)),
                alt.Tooltip("count:N", title=t("people", locale)),
            ],
        )
    )
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color=ALL_COLOR).encode(y="y:Q")
    return alt.layer(bars, zero).properties(height=300).configure(locale=i18n.vega_locale(locale))


def frequency_bands(frame: pd.DataFrame, locale: str, order: list[str]) -> alt.Chart:
    """Per scope (``label``), the share of licensed people in each band of active days.
    ``frame``: ``label``, ``band``, ``people``."""
    data = frame.copy()
    totals = data.groupby("label")["people"].transform("sum")
    data["share"] = (data["people"] / totals.where(totals > 0)).fillna(0.0)
    data["band_label"] = [t(f"band_{b}", locale) for b in data["band"]]
    data["share_text"] = [i18n.percent(v, locale) for v in data["share"]]
    data["count"] = [i18n.number(v, locale) for v in data["people"]]
    data["order"] = [list(BANDS).index(b) for b in data["band"]]
    labels = [t(f"band_{b}", locale) for b in BANDS]
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=200)),
            x=alt.X("share:Q", title=None, axis=alt.Axis(format=".0%"), stack="normalize"),
            color=alt.Color(
                "band_label:N",
                scale=alt.Scale(domain=labels, range=list(BANDS.values())),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("label:N", title=t("scope", locale)),
                alt.Tooltip("band_label:N", title=t("band", locale)),
                alt.Tooltip("count:N", title=t("people", locale)),
                alt.Tooltip("share_text:N", title=t("share_of_licensed", locale)),
            ],
        )
        .properties(height=alt.Step(30))
        .configure(locale=i18n.vega_locale(locale))
    )


def feature_heatmap(frame: pd.DataFrame, locale: str, teams: list[str]) -> alt.LayerChart:
    """Feature × team heat map of feature adoption (share of licensed people who used the
    feature in 30 days), the share written in each cell. ``frame``: ``feature``, ``label``
    (team or whole company), ``adoption``, ``users``."""
    data = frame.dropna(subset=["adoption"]).copy()
    data["share"] = [i18n.percent(v, locale) for v in data["adoption"]]
    data["count"] = [i18n.number(v, locale) for v in data["users"]]
    data["dark"] = data["adoption"] > 0.6
    base = alt.Chart(data).encode(
        x=alt.X("label:N", sort=teams, title=None, axis=alt.Axis(labelAngle=0, labelLimit=140)),
        y=alt.Y("feature:N", title=t("feature", locale), sort="ascending"),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "adoption:Q",
            scale=alt.Scale(domain=[0, 1], scheme="blues"),
            legend=alt.Legend(title=None, format=".0%", orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("label:N", title=t("team", locale)),
            alt.Tooltip("feature:N", title=t("feature", locale)),
            alt.Tooltip("share:N", title=t("share_of_licensed", locale)),
            alt.Tooltip("count:N", title=t("people", locale)),
        ],
    )
    text = base.mark_text(fontSize=12).encode(
        text="share:N",
        color=alt.condition(alt.datum.dark, alt.value("white"), alt.value("#1f2937")),
    )
    return (
        alt.layer(cells, text)
        .properties(height=alt.Step(30))
        .configure(locale=i18n.vega_locale(locale))
        .configure_view(strokeWidth=0)
    )
