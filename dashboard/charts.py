"""Altair charts of the dashboard: pure functions from DataFrames to charts (no Streamlit).

Conventions shared by every chart: targets are dashed rules, each team keeps one colour on every
page (a fixed palette keyed by the sorted team names), tooltips show values formatted as the
reader's locale writes them, and the whole company ("all") is drawn darker and thicker.
"""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt
import pandas as pd

from dashboard import i18n
from dashboard.i18n import t
from metrics.kpis import meets_target

#: Team colours (Tableau 10), handed out in the order of the sorted team names.
TEAM_PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#ff9da7",
    "#9c755f",
    "#e15759",
    "#bab0ac",
)
ALL_COLOR = "#1f2937"
MET_COLOR = "#2e7d5b"
MISSED_COLOR = "#d9822b"
NO_TARGET_COLOR = "#4e79a7"
TARGET_COLOR = "#4b5563"
TARGET_DASH = [6, 4]
BAR_HEIGHT = 34


def team_colors(teams: Iterable[str]) -> dict[str, str]:
    """A colour per team: the palette in the order of the sorted names (cycling past ten).

    Pass every team of the company, not only the selected ones, so that filtering never
    repaints a team.
    """
    return {name: TEAM_PALETTE[i % len(TEAM_PALETTE)] for i, name in enumerate(sorted(set(teams)))}


def target_rule(
    target: float, axis: str, locale: str, code: str = "adoption_rate"
) -> alt.LayerChart:
    """A dashed rule at ``target`` on the ``x`` or ``y`` axis, labelled in ``code``'s unit."""
    frame = pd.DataFrame(
        {
            "target": [target],
            "label": [t("target", locale, value=i18n.kpi_value(code, target, locale))],
        }
    )
    base = alt.Chart(frame)
    rule = base.mark_rule(color=TARGET_COLOR, strokeDash=TARGET_DASH, strokeWidth=1.5)
    if axis == "x":
        rule = rule.encode(x=alt.X("target:Q"))
        label = base.mark_text(
            align="left", baseline="bottom", dx=4, dy=-2, color=TARGET_COLOR, fontSize=11
        ).encode(x="target:Q", y=alt.value(0), text="label:N")
    else:
        rule = rule.encode(y=alt.Y("target:Q"))
        label = base.mark_text(
            align="left", baseline="bottom", dx=4, dy=-3, color=TARGET_COLOR, fontSize=11
        ).encode(y="target:Q", x=alt.value(0), text="label:N")
    return alt.layer(rule, label)


def adoption_by_team(teams: pd.DataFrame, target: float | None, locale: str) -> alt.LayerChart:
    """Horizontal bars of each team's adoption rate, coloured by whether it meets ``target``.

    ``teams`` has one row per team with ``name``, ``adoption_rate``, ``licensed_users`` and
    ``wau``; teams without a rate are left out. Bars are sorted best first, labelled with their
    value, and the target is a dashed vertical rule.
    """
    met, missed = t("target_met", locale), t("target_missed", locale)
    data = teams.dropna(subset=["adoption_rate"])
    data = pd.DataFrame(
        {
            "team": data["name"].astype(str),
            "adoption_rate": data["adoption_rate"].astype(float),
            "adoption": [i18n.percent(v, locale) for v in data["adoption_rate"]],
            "licensed": [i18n.number(v, locale) for v in data["licensed_users"]],
            "active": [i18n.number(v, locale) for v in data["wau"]],
            "status": [
                met if meets_target("adoption_rate", v, target) else missed
                for v in data["adoption_rate"]
            ],
        }
    ).sort_values(["adoption_rate", "team"], ascending=[False, True])
    order = data["team"].tolist()
    x = alt.X(
        "adoption_rate:Q",
        title=i18n.kpi_label("adoption_rate", locale),
        scale=alt.Scale(domain=[0, 1]),
        axis=alt.Axis(format=".0%", grid=True, tickCount=5),
    )
    base = alt.Chart(data).encode(
        y=alt.Y("team:N", sort=order, title=None, axis=alt.Axis(labelLimit=200)),
        x=x,
    )
    color = (
        alt.Color(
            "status:N",
            scale=alt.Scale(domain=[met, missed], range=[MET_COLOR, MISSED_COLOR]),
            legend=alt.Legend(title=None, orient="bottom"),
        )
        if target is not None
        else alt.value(NO_TARGET_COLOR)  # nothing to meet: one neutral colour, no legend
    )
    bars = base.mark_bar(cornerRadiusEnd=3, height=alt.RelativeBandSize(0.7)).encode(
        color=color,
        tooltip=[
            alt.Tooltip("team:N", title=t("team", locale)),
            alt.Tooltip("adoption:N", title=i18n.kpi_label("adoption_rate", locale)),
            alt.Tooltip("licensed:N", title=i18n.kpi_label("licensed_users", locale)),
            alt.Tooltip("active:N", title=i18n.kpi_label("wau", locale)),
        ],
    )
    labels = base.mark_text(align="left", baseline="middle", dx=4, fontSize=12).encode(
        text="adoption:N"
    )
    layers: list[alt.Chart | alt.LayerChart] = [bars, labels]
    if target is not None:
        layers.append(target_rule(target, "x", locale))
    # A height per bar, so that the axis and the legend never squeeze the bars.
    return (
        alt.layer(*layers)
        .properties(height=alt.Step(BAR_HEIGHT))
        .configure(locale=i18n.vega_locale(locale))
    )


def adoption_trend(
    series: pd.DataFrame,
    target: float | None,
    locale: str,
    *,
    all_teams: Iterable[str] = (),
) -> alt.LayerChart:
    """Daily adoption-rate lines: one per team in ``series`` and the whole company emphasised.

    ``series`` has rows with ``day``, ``kind`` (``all`` or ``team``), ``name``,
    ``adoption_rate``, ``wau`` and ``licensed_users``; days without a rate are left out.
    ``all_teams`` lists every team of the company so that colours do not depend on the filter.
    The target is a dashed horizontal rule.
    """
    everyone = t("all_teams", locale)
    data = series.dropna(subset=["adoption_rate"])
    colors = team_colors([*all_teams, *data.loc[data["kind"] == "team", "name"]])
    data = pd.DataFrame(
        {
            "day": pd.to_datetime(data["day"]),
            "team": [
                everyone if k == "all" else str(n)
                for k, n in zip(data["kind"], data["name"], strict=True)
            ],
            "emphasis": ["all" if k == "all" else "team" for k in data["kind"]],
            "adoption_rate": data["adoption_rate"].astype(float),
            "adoption": [i18n.percent(v, locale) for v in data["adoption_rate"]],
            "active": [i18n.number(v, locale) for v in data["wau"]],
            "licensed": [i18n.number(v, locale) for v in data["licensed_users"]],
            "date": [i18n.date(d.date(), locale) for d in pd.to_datetime(data["day"])],
        }
    )
    shown = [name for name in colors if name in set(data["team"])]
    domain = [everyone, *shown]
    color = alt.Color(
        "team:N",
        scale=alt.Scale(domain=domain, range=[ALL_COLOR, *(colors[n] for n in shown)]),
        legend=alt.Legend(title=None, orient="bottom", columns=4, symbolType="stroke"),
    )
    x = alt.X(
        "day:T",
        title=None,
        axis=alt.Axis(format="%d/%m" if locale == "fr" else "%b %d", labelAngle=0, tickCount=8),
    )
    y = alt.Y(
        "adoption_rate:Q",
        title=i18n.kpi_label("adoption_rate", locale),
        scale=alt.Scale(domain=[0, 1]),
        axis=alt.Axis(format=".0%", tickCount=5),
    )
    tooltip = [
        alt.Tooltip("date:N", title=t("day", locale)),
        alt.Tooltip("team:N", title=t("team", locale)),
        alt.Tooltip("adoption:N", title=i18n.kpi_label("adoption_rate", locale)),
        alt.Tooltip("active:N", title=i18n.kpi_label("wau", locale)),
        alt.Tooltip("licensed:N", title=i18n.kpi_label("licensed_users", locale)),
    ]
    base = alt.Chart(data).encode(x=x, y=y, color=color)
    # Teams first, then the whole company on top of them, thicker and darker.
    team_lines = base.transform_filter(alt.datum.emphasis == "team").mark_line(
        strokeWidth=1.8, interpolate="monotone"
    )
    all_line = base.transform_filter(alt.datum.emphasis == "all").mark_line(
        strokeWidth=3.5, interpolate="monotone"
    )
    # Invisible points under the lines carry the tooltips (a line only answers on its stroke).
    hover = base.mark_circle(size=70, opacity=0).encode(tooltip=tooltip)
    layers: list[alt.Chart | alt.LayerChart] = [team_lines, all_line, hover]
    if target is not None:
        layers.append(target_rule(target, "y", locale))
    return alt.layer(*layers).properties(height=340).configure(locale=i18n.vega_locale(locale))
