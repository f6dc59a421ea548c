"""The KPI registry: one definition per KPI (the data dictionary is a product feature).

A definition holds what a person reads — code, French and English labels and formulas, unit,
direction, default target — apart from the query that computes it (``metrics/adoption.py`` and
the modules that follow it). The glossary, the report, targets in the config and alert rules all
read this table. ``computed`` says whether this version of Hypercare calculates the KPI yet.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KpiDef:
    code: str
    label_fr: str
    label_en: str
    formula_fr: str
    formula_en: str
    unit: str  # users | ratio | days | ms | score | count | hours | per_1k
    direction: str  # up | down
    default_target: float | None = None
    computed: bool = False

    def label(self, locale: str) -> str:
        return self.label_fr if locale == "fr" else self.label_en

    def formula(self, locale: str) -> str:
        return self.formula_fr if locale == "fr" else self.formula_en


def _k(*args: object, **kwargs: object) -> KpiDef:
    return KpiDef(*args, **kwargs)  # type: ignore[arg-type]


_DEFS = [
    _k(
        "licensed_users",
        "Utilisateurs licenciés",
        "Licensed users",
        "personnes de l'annuaire du périmètre qui ont une licence",
        "roster people of the scope who hold a seat",
        "users",
        "up",
        computed=True,
    ),
    _k(
        "dau",
        "Utilisateurs actifs (jour)",
        "Daily active users",
        "personnes distinctes avec au moins un événement d'usage le jour donné",
        "distinct people with at least one usage event on the day",
        "users",
        "up",
        computed=True,
    ),
    _k(
        "wau",
        "Utilisateurs actifs (7 jours)",
        "Weekly active users",
        "personnes distinctes avec au moins un événement d'usage sur les 7 jours finissant le jour",
        "distinct people with at least one usage event in the 7 days ending the day",
        "users",
        "up",
        computed=True,
    ),
    _k(
        "mau",
        "Utilisateurs actifs (30 jours)",
        "Monthly active users",
        "personnes distinctes avec au moins un événement d'usage sur les 30 jours finissant "
        "le jour",
        "distinct people with at least one usage event in the 30 days ending the day",
        "users",
        "up",
        computed=True,
    ),
    _k(
        "adoption_rate",
        "Taux d'adoption",
        "Adoption rate",
        "utilisateurs licenciés actifs sur 7 jours ÷ utilisateurs licenciés du périmètre",
        "licensed users active in the last 7 days ÷ licensed users of the scope",
        "ratio",
        "up",
        0.8,
        computed=True,
    ),
    _k(
        "activation_rate",
        "Taux d'activation",
        "Activation rate",
        "utilisateurs licenciés avec au moins un événement depuis leur mise en service "
        "÷ utilisateurs licenciés",
        "licensed users with at least one event since their go-live ÷ licensed users",
        "ratio",
        "up",
        0.95,
        computed=True,
    ),
    _k(
        "engagement_score",
        "Score d'engagement",
        "Engagement score",
        "moyenne × 100 de l'adoption des fonctions clés, de la fidélité (DAU/MAU) et de la "
        "croissance (nouveaux + revenus) ÷ (nouveaux + revenus + dormants), sur 30 jours",
        "mean × 100 of core-feature adoption, stickiness (DAU/MAU) and growth (new + "
        "resurrecting) ÷ (new + resurrecting + dormant), over 30 days",
        "score",
        "up",
        computed=True,
    ),
    _k(
        "stickiness",
        "Fidélité (DAU/MAU)",
        "Stickiness (DAU/MAU)",
        "utilisateurs actifs du jour ÷ actifs sur 30 jours, en moyenne sur la période",
        "daily active ÷ monthly active users, averaged over the window",
        "ratio",
        "up",
        computed=True,
    ),
    _k(
        "time_to_first_use",
        "Délai de première utilisation",
        "Time to first use",
        "jours entre la mise en service et le premier événement (médiane du périmètre)",
        "days from go-live to the first event (median of the scope)",
        "days",
        "down",
        computed=True,
    ),
    _k(
        "feature_breadth",
        "Couverture fonctionnelle",
        "Feature breadth",
        "part des fonctions clés utilisées par au moins un utilisateur du périmètre sur 30 jours",
        "share of the core features used by at least one user of the scope in 30 days",
        "ratio",
        "up",
        computed=True,
    ),
    _k(
        "task_success_rate",
        "Taux de réussite",
        "Task success rate",
        "événements au résultat OK ÷ événements avec un résultat (30 jours)",
        "usage events with outcome ok ÷ usage events with an outcome (30 days)",
        "ratio",
        "up",
        computed=True,
    ),
    _k(
        "error_rate",
        "Taux d'erreur",
        "Error rate",
        "événements en erreur ÷ événements avec un résultat (30 jours) ; les comptages de la "
        "supervision remplacent les événements des jours et modules qu'ils couvrent",
        "usage events with outcome error ÷ usage events with an outcome (30 days); counts from "
        "monitoring replace the events of the days and modules they cover",
        "ratio",
        "down",
        0.05,
        computed=True,
    ),
    _k(
        "app_errors_per_1k",
        "Erreurs applicatives pour 1 000",
        "App errors per 1,000",
        "entrées de journal d'erreurs ÷ événements d'usage × 1 000",
        "error-log entries at level ERROR or above ÷ usage events × 1,000",
        "per_1k",
        "down",
        computed=True,
    ),
    _k(
        "p95_duration_ms",
        "Durée p95 (ms)",
        "p95 duration (ms)",
        "95e centile de la durée des actions (30 jours)",
        "95th percentile of action duration (30 days)",
        "ms",
        "down",
        computed=True,
    ),
    _k(
        "nps",
        "NPS",
        "NPS",
        "% de promoteurs (9–10) − % de détracteurs (0–6)",
        "% promoters (9–10) − % detractors (0–6)",
        "score",
        "up",
        0,
        computed=True,
    ),
    _k(
        "csat",
        "CSAT",
        "CSAT",
        "% de réponses 4–5 sur une échelle de 1 à 5",
        "% of answers 4–5 on a 1–5 scale",
        "score",
        "up",
        computed=True,
    ),
    _k(
        "ces",
        "CES (effort)",
        "CES (effort)",
        "moyenne des réponses d'effort sur l'échelle déclarée",
        "mean customer-effort answer on its declared scale",
        "score",
        "down",
        computed=True,
    ),
    _k(
        "sus",
        "SUS",
        "SUS",
        "items impairs (x−1), pairs (5−x), somme × 2,5, moyenne du périmètre",
        "odd items (x−1), even items (5−x), sum × 2.5, mean of the scope",
        "score",
        "up",
        68,
        computed=True,
    ),
    _k(
        "umux_lite",
        "UMUX-Lite",
        "UMUX-Lite",
        "deux items sur 7 points ramenés à 0–100",
        "two 7-point items rescaled to 0–100",
        "score",
        "up",
        computed=True,
    ),
    _k(
        "tickets_open",
        "Tickets ouverts",
        "Open tickets",
        "tickets non résolus à la fin du jour",
        "tickets not resolved at the end of the day",
        "count",
        "down",
        computed=True,
    ),
    _k(
        "first_response_p50_h",
        "Première réponse (médiane, h)",
        "First response (median, h)",
        "médiane des heures jusqu'à la première réponse",
        "median hours to first response",
        "hours",
        "down",
        computed=True,
    ),
    _k(
        "resolution_p50_h",
        "Résolution (médiane, h)",
        "Resolution (median, h)",
        "médiane des heures jusqu'à la résolution",
        "median hours to resolution",
        "hours",
        "down",
        computed=True,
    ),
    _k(
        "sla_breach_rate",
        "Taux de dépassement SLA",
        "SLA breach rate",
        "tickets hors délai ÷ tickets résolus ou ayant dépassé leur cible",
        "tickets breached ÷ tickets resolved or past their target",
        "ratio",
        "down",
        computed=True,
    ),
]

KPIS: dict[str, KpiDef] = {k.code: k for k in _DEFS}
COMPUTED: list[str] = [k.code for k in _DEFS if k.computed]


def target_for(code: str, targets: dict[str, float]) -> float | None:
    """The configured target of a KPI, else its default target."""
    if code in targets:
        return targets[code]
    return KPIS[code].default_target


def meets_target(code: str, value: float | None, target: float | None) -> bool | None:
    """Whether ``value`` reaches ``target`` in the KPI's direction (None when either is missing)."""
    if value is None or target is None:
        return None
    return value >= target if KPIS[code].direction == "up" else value <= target


def glossary_markdown() -> str:
    """The data dictionary as a Markdown table (docs/kpis.md embeds it; a test keeps it current)."""
    lines = [
        "| code | English | français | definition | unit | direction | default target | computed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for k in _DEFS:
        target = "" if k.default_target is None else f"{k.default_target:g}"
        arrow = "↑ higher is better" if k.direction == "up" else "↓ lower is better"
        lines.append(
            f"| `{k.code}` | {k.label_en} | {k.label_fr} | {k.formula_en} | {k.unit} | {arrow} "
            f"| {target} | {'yes' if k.computed else 'not yet'} |"
        )
    return "\n".join(lines) + "\n"
