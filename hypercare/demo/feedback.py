"""What the demo company's people say: pulse surveys, support tickets and follow-up meeting notes.

:func:`write_demo_feedback` reads the roster ``company.py`` wrote (``annuaire.csv``) and writes,
for the same ``today``:

* ``surveys/pulse.csv``: a French Google Forms export of the pulse survey sent to each wave
  30 and 90 days after its go-live (``Campagne``: ``J+30``, ``J+90``): NPS, the ten SUS items
  answered with French Likert labels, and "Qu'est-ce qui vous gêne le plus ?";
* ``tickets/jira.csv``: a Jira export (all fields) of the support project ``FACT``, with the
  blocker "Impossible de facturer en lot" at Highest, the FEC export the accounting firm refuses,
  slow PDF generation, sessions that expire…;
* ``meetings/suivi.md``: the ambassadors' follow-up meeting notes in Markdown.

The people agree with the usage ``company.py`` simulates: Comptabilité and ADV are happy,
Commercial is mixed, Logistique struggles (low NPS and SUS, many complaints), Achats is in
between, and Direction is too small to be shown. :meth:`FeedbackFiles.sources_yaml` gives the
source entries to add under the demo config's ``sources:`` and :meth:`FeedbackFiles.sections_yaml`
its ``backlog:`` and ``surveys:`` sections.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FeedbackFiles", "write_demo_feedback"]

ROSTER_FILENAME = "annuaire.csv"
SURVEY_PATH = "surveys/pulse.csv"
TICKETS_PATH = "tickets/jira.csv"
MEETINGS_PATH = "meetings/suivi.md"
JIRA_URL = "https://dubois-equipements.atlassian.net/browse/{ref}"

NPS_QUESTION = "Quelle est la probabilité que vous recommandiez le nouvel outil à un collègue ?"
COMMENT_QUESTION = "Qu'est-ce qui vous gêne le plus ?"
SUS_ITEMS = (
    "Je pense que j'aimerais utiliser ce logiciel fréquemment",
    "J'ai trouvé ce logiciel inutilement complexe",
    "J'ai trouvé ce logiciel facile à utiliser",
    "Je pense que j'aurais besoin de l'aide d'un technicien pour utiliser ce logiciel",
    "J'ai trouvé que les différentes fonctions de ce logiciel étaient bien intégrées",
    "J'ai trouvé qu'il y avait trop d'incohérences dans ce logiciel",
    "J'imagine que la plupart des gens apprendraient à utiliser ce logiciel très rapidement",
    "J'ai trouvé ce logiciel très lourd à utiliser",
    "Je me suis senti(e) très en confiance en utilisant ce logiciel",
    "J'ai dû apprendre beaucoup de choses avant de pouvoir utiliser ce logiciel",
)
LIKERT = (
    "Pas du tout d'accord",
    "Pas d'accord",
    "Neutre",
    "D'accord",
    "Tout à fait d'accord",
)
SURVEY_HEADER = (
    "Horodateur",
    "Adresse e-mail",
    "Service",
    "Campagne",
    NPS_QUESTION,
    *SUS_ITEMS,
    COMMENT_QUESTION,
)
JIRA_HEADER = (
    "Summary",
    "Issue key",
    "Issue id",
    "Issue Type",
    "Status",
    "Priority",
    "Reporter",
    "Created",
    "Resolved",
    "Component/s",
    "Custom field (Team)",
    "Description",
)

# team → (NPS centre, SUS usability 0–1, share who answer, share who leave a comment)
_MOOD: dict[str, tuple[float, float, float, float]] = {
    "Comptabilité": (8.3, 0.74, 0.70, 0.55),
    "ADV": (8.1, 0.70, 0.60, 0.50),
    "Commercial": (7.3, 0.60, 0.45, 0.45),
    "Logistique": (5.9, 0.40, 0.65, 0.80),
    "Direction": (7.5, 0.62, 0.75, 0.40),
    "Achats": (7.4, 0.58, 0.60, 0.45),
}

# theme → team weights, French comments (an English one now and then: the integrator's staff)
_THEMES: dict[str, tuple[dict[str, int], tuple[str, ...]]] = {
    "fec": (
        {"Comptabilité": 6, "Achats": 2, "Direction": 2},
        (
            "L'export FEC est refusé par notre cabinet comptable, format invalide.",
            "Le cabinet rejette encore le fichier FEC exporté, on perd un temps fou.",
            "Export FEC : l'expert-comptable dit que le fichier n'est pas conforme.",
            "Le fichier FEC généré n'est pas accepté par le cabinet.",
        ),
    ),
    "batch": (
        {"ADV": 5, "Comptabilité": 3},
        (
            "Impossible de facturer en lot, la facturation groupée plante à chaque fois.",
            "La facturation en lot est bloquée, on refait tout à la main.",
            "Facturation groupée : impossible de facturer nos clients en fin de mois.",
        ),
    ),
    "pdf": (
        {"ADV": 4, "Commercial": 3, "Logistique": 3},
        (
            "La génération des PDF de factures est très lente.",
            "Générer le PDF d'une facture prend presque une minute.",
            "Les PDF mettent une éternité à se générer, surtout le lundi matin.",
            "PDF generation of invoices is really slow.",
        ),
    ),
    "session": (
        {"Logistique": 5, "Commercial": 3},
        (
            "La session expire toutes les heures, il faut se reconnecter sans arrêt.",
            "Déconnexions intempestives : la session expire en pleine saisie.",
            "Session expirée plusieurs fois par jour, on perd la saisie en cours.",
        ),
    ),
    "delivery": (
        {"Logistique": 6},
        (
            "Les bons de livraison ne sont pas repris dans la facture.",
            "Il faut ressaisir les bons de livraison à la main dans la facture.",
            "Bons de livraison absents de la facture, double saisie.",
        ),
    ),
    "tablet": (
        {"Logistique": 5},
        (
            "L'outil est inutilisable sur la tablette de l'entrepôt, les boutons sont minuscules.",
            "Sur la tablette du quai, l'écran de saisie est illisible.",
        ),
    ),
    "quotes_training": (
        {"Commercial": 6},
        (
            "Pas assez de formation sur les devis.",
            "On a besoin d'une formation sur la création des devis et des remises.",
            "La formation sur le module devis était trop courte.",
        ),
    ),
    "duplicates": (
        {"ADV": 3, "Commercial": 3},
        (
            "L'import des clients a créé des doublons.",
            "Des fiches clients en double depuis l'import du fichier clients.",
        ),
    ),
    "bank": (
        {"Comptabilité": 4, "Achats": 3},
        (
            "Le rapprochement bancaire ne retrouve pas les paiements clients.",
            "Le lettrage automatique des paiements ne marche pas avec notre banque.",
        ),
    ),
}
_NOTHING_TO_SAY = ("Rien à signaler", "RAS", "Rien", "Non")  # not feedback: left out

# Tickets: (theme, summary, priority, component, description, how many, teams)
_TICKETS: tuple[tuple[str, str, str, str, str, int, tuple[str, ...]], ...] = (
    (
        "batch",
        "Impossible de facturer en lot",
        "Highest",
        "Facturation",
        "La facturation groupée s'arrête sur une erreur 500 après une vingtaine de factures. "
        "Impossible de facturer les clients en fin de mois.",
        1,
        ("ADV",),
    ),
    (
        "batch",
        "Impossible de facturer en lot : erreur 500",
        "Highest",
        "Facturation",
        "Le traitement de facturation en lot plante, nous sommes bloqués pour la clôture.",
        1,
        ("Comptabilité",),
    ),
    (
        "batch",
        "Facturation groupée bloquée en fin de mois",
        "High",
        "Facturation",
        "La facturation groupée s'arrête en cours de route, il faut relancer client par client.",
        1,
        ("ADV",),
    ),
    (
        "fec",
        "Export FEC refusé par le cabinet",
        "High",
        "Comptabilité",
        "Le cabinet comptable refuse le fichier FEC : colonnes EcritureLet et DateLet vides.",
        2,
        ("Comptabilité", "Achats"),
    ),
    (
        "pdf",
        "Génération PDF des factures très lente",
        "Medium",
        "Factures",
        "Plus de 40 secondes pour générer le PDF d'une facture de 3 lignes.",
        4,
        ("ADV", "Commercial", "Logistique"),
    ),
    (
        "session",
        "Session expirée en pleine saisie",
        "Medium",
        "Connexion",
        "La session expire au bout d'une heure, la saisie en cours est perdue.",
        3,
        ("Logistique", "Commercial"),
    ),
    (
        "delivery",
        "Bons de livraison non repris dans la facture",
        "High",
        "Facturation",
        "Les bons de livraison validés n'apparaissent pas lors de la création de la facture.",
        2,
        ("Logistique",),
    ),
    (
        "duplicates",
        "Doublons clients après l'import",
        "Medium",
        "Clients",
        "L'import du fichier clients a créé des fiches en double (même SIRET).",
        2,
        ("ADV", "Commercial"),
    ),
    (
        "bank",
        "Rapprochement bancaire : paiements non lettrés",
        "Medium",
        "Banque",
        "Les paiements reçus par virement ne sont pas rapprochés des factures.",
        2,
        ("Comptabilité",),
    ),
    (
        "vat",
        "Taux de TVA erroné sur les avoirs",
        "Low",
        "Factures",
        "Un avoir sur une facture à 5,5 % reprend le taux de 20 %.",
        1,
        ("Comptabilité",),
    ),
    (
        "access",
        "Demande d'accès au module Achats",
        "Low",
        "Droits",
        "Merci d'ouvrir l'accès au module Achats pour un nouvel arrivant.",
        1,
        ("Achats",),
    ),
)

# Meeting notes: (days after the wave's go-live, team, points)
_MEETINGS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (
        14,
        "Comptabilité",
        (
            "L'export FEC est refusé par le cabinet : relancer l'éditeur sur le format.",
            "Le lettrage automatique des paiements rate les virements groupés.",
        ),
    ),
    (
        14,
        "ADV",
        (
            "Facturation en lot bloquante en fin de mois : ticket ouvert en priorité maximale.",
            "Quelques doublons clients depuis l'import initial.",
        ),
    ),
    (
        21,
        "Commercial",
        (
            "Demande d'une seconde session de formation sur les devis.",
            "Les PDF de devis et de factures sont lents à générer.",
        ),
    ),
    (
        10,
        "Logistique",
        (
            "Les bons de livraison doivent être ressaisis dans la facture.",
            "La session expire trop vite pour les caristes.",
            "Tablette de l'entrepôt : l'écran de saisie est inutilisable.",
        ),
    ),
    (
        30,
        "Logistique",
        (
            "Toujours la double saisie des bons de livraison, l'équipe se décourage.",
            "Génération des PDF très lente l'après-midi.",
        ),
    ),
    (
        10,
        "Achats",
        ("Le rapprochement bancaire ne trouve pas les paiements fournisseurs.",),
    ),
)


@dataclass(frozen=True)
class _Member:
    matricule: str
    email: str
    team: str
    wave: str
    go_live: dt.date
    licensed: bool
    ambassador: bool


@dataclass(frozen=True)
class FeedbackFiles:
    """Paths and counts of the files written by :func:`write_demo_feedback`."""

    survey: Path
    tickets: Path
    meetings: Path
    responses: int
    tickets_written: int
    notes: int

    def config_yaml(self, data: str) -> str:
        """``sources_yaml`` then ``sections_yaml``: to append to a config whose last top-level
        key is ``sources:``."""
        return self.sources_yaml(data) + self.sections_yaml()

    def sources_yaml(self, data: str) -> str:
        """The three source entries (indented for ``sources:``), ``data`` being the folder of
        the exports relative to the config."""
        questions = "\n".join(f'            - "{item}"' for item in SUS_ITEMS)
        return f"""  - name: pulse
    kind: survey
    format: google-forms
    path: {data}/{SURVEY_PATH}
    columns: {{team: Service, round: Campagne}}
    questions:
      nps: "{NPS_QUESTION}"
      sus:
{questions}
      comment: ["{COMMENT_QUESTION}"]
  - name: jira
    kind: tickets
    format: jira-csv
    path: {data}/{TICKETS_PATH}
  - name: suivi
    kind: meetings
    format: meeting-notes-md
    path: {data}/{MEETINGS_PATH}
"""

    def sections_yaml(self) -> str:
        """The demo's ``backlog:`` and ``surveys:`` top-level sections."""
        return f"""backlog:
  scoring: rice
  links: {{jira: "{JIRA_URL}"}}
surveys:
  min_responses: 10
  link_url: http://localhost:8501/
  pulse:                        # hosted by the app: `hypercare surveys links --round …`
    - id: pouls
      title: {{fr: "Le nouvel outil, où en êtes-vous ?", en: "The new tool: how is it going?"}}
      questions:
        - nps
        - umux_lite
        - {{type: comment, text: {{fr: "Qu'est-ce qui vous gêne le plus ?",
                                  en: "What bothers you most?"}}}}
      rounds:                   # one round per wave, days after its go-live
        - {{after_go_live: 14, days: 14}}
        - {{after_go_live: 45, days: 14}}
        - {{after_go_live: 90, days: 14}}
    - id: climat
      anonymous: true
      title: {{fr: Climat d'équipe, en: Team climate}}
      questions:
        - csat
        - {{type: choice, text: {{fr: "Vous sentez-vous accompagné(e) ?",
                                 en: "Do you feel supported?"}},
           options: [{{fr: Oui, en: "Yes"}}, {{fr: En partie, en: Partly}}, {{fr: Non, en: "No"}}]}}
        - comment
      rounds: [{{after_go_live: 90, days: 14}}]
"""


def write_demo_feedback(directory: Path, today: dt.date, seed: int = 11) -> FeedbackFiles:
    """Write the survey, ticket and meeting-note exports next to the roster in ``directory``.

    The same ``(roster, today, seed)`` always gives byte-identical files.
    """
    rng = random.Random(seed)
    directory = Path(directory)
    people = _read_roster(directory / ROSTER_FILENAME)
    responses = _survey_rows(rng, people, today)
    tickets = _ticket_rows(rng, people, today)
    notes = _meeting_notes(people, today)

    survey = directory / SURVEY_PATH
    survey.parent.mkdir(parents=True, exist_ok=True)
    with survey.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(SURVEY_HEADER)
        writer.writerows(responses)
    jira = directory / TICKETS_PATH
    jira.parent.mkdir(parents=True, exist_ok=True)
    with jira.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(JIRA_HEADER)
        writer.writerows(tickets)
    meetings = directory / MEETINGS_PATH
    meetings.parent.mkdir(parents=True, exist_ok=True)
    meetings.write_text(notes[0], encoding="utf-8")
    return FeedbackFiles(survey, jira, meetings, len(responses), len(tickets), notes[1])


def _read_roster(path: Path) -> list[_Member]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    return [
        _Member(
            matricule=r["Matricule"],
            email=r["E-mail"],
            team=r["Service"],
            wave=r["Vague"],
            go_live=dt.datetime.strptime(r["Mise en service"], "%d/%m/%Y").date(),
            licensed=r["Licence"] == "Oui",
            ambassador=r["Ambassadeur"] == "Oui",
        )
        for r in rows
    ]


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _comment(rng: random.Random, team: str) -> str:
    themes = [(name, weights[team]) for name, (weights, _) in _THEMES.items() if team in weights]
    if not themes or rng.random() < 0.15:
        return rng.choice(_NOTHING_TO_SAY)
    name = rng.choices([n for n, _ in themes], weights=[w for _, w in themes])[0]
    return rng.choice(_THEMES[name][1])


def _survey_rows(rng: random.Random, people: list[_Member], today: dt.date) -> list[list[str]]:
    rows: list[tuple[dt.datetime, list[str]]] = []
    for round_name, offset in (("J+30", 30), ("J+90", 90)):
        for person in people:
            if not person.licensed:
                continue
            opens = person.go_live + dt.timedelta(days=offset)
            if opens > today:
                continue
            centre, usability, answer_share, comment_share = _MOOD[person.team]
            if offset == 90 and person.team != "Logistique":
                centre, usability = centre + 0.4, usability + 0.04  # things settle down
            if rng.random() > answer_share:
                continue
            day = opens + dt.timedelta(days=rng.randint(0, 7))
            if day > today:
                day = today
            hour = 9 if day == today else rng.randint(8, 18)
            when = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)))
            score = _clamp(rng.gauss(centre, 1.5), 0, 10)
            sus = []
            u = min(max(rng.gauss(usability, 0.12), 0.0), 1.0)
            for index in range(10):
                positive = index % 2 == 0
                value = 1 + 4 * u if positive else 5 - 4 * u
                sus.append(LIKERT[_clamp(value + rng.gauss(0, 0.6), 1, 5) - 1])
            if rng.random() < 0.04:  # an item left blank: the response's SUS is rejected
                sus[rng.randrange(10)] = ""
            comment = _comment(rng, person.team) if rng.random() < comment_share else ""
            email = person.email if rng.random() > 0.08 else ""  # a few answered anonymously
            rows.append(
                (
                    when,
                    [
                        when.strftime("%d/%m/%Y %H:%M:%S"),
                        email,
                        person.team,
                        round_name,
                        str(score),
                        *sus,
                        comment,
                    ],
                )
            )
    rows.sort(key=lambda r: r[0])
    return [row for _, row in rows]


def _jira_date(moment: dt.datetime) -> str:
    """Jira's ``12/May/26 9:05 AM``."""
    hour = moment.hour % 12 or 12
    suffix = "AM" if moment.hour < 12 else "PM"
    return f"{moment:%d/%b/%y} {hour}:{moment:%M} {suffix}"


def _ticket_rows(rng: random.Random, people: list[_Member], today: dt.date) -> list[list[str]]:
    by_team: dict[str, list[_Member]] = {}
    for person in people:
        if person.licensed:
            by_team.setdefault(person.team, []).append(person)
    drafts: list[tuple[dt.datetime, list[str]]] = []
    for theme, summary, priority, component, description, count, teams in _TICKETS:
        for n in range(count):
            team = teams[n % len(teams)]
            reporter = rng.choice(by_team[team])
            start = max(reporter.go_live, today - dt.timedelta(days=170))
            span = max((today - start).days - 1, 1)
            created = dt.datetime.combine(
                start + dt.timedelta(days=rng.randint(1, min(span, 45))),
                dt.time(rng.randint(8, 17), rng.randrange(60)),
            )
            if theme == "batch" and n == 0 and summary.startswith("Impossible"):
                created = dt.datetime.combine(today - dt.timedelta(days=3), dt.time(9, 12))
            open_ticket = theme in ("batch", "fec", "delivery", "pdf") or rng.random() < 0.3
            resolved = (
                "" if open_ticket else _jira_date(created + dt.timedelta(hours=rng.randint(3, 96)))
            )
            status = "Done" if resolved else rng.choice(("To Do", "In Progress"))
            if created.date() >= today:
                created = dt.datetime.combine(today - dt.timedelta(days=1), created.time())
            drafts.append(
                (
                    created,
                    [
                        summary,
                        "",
                        "",
                        "Bug" if theme != "access" else "Service Request",
                        status,
                        priority,
                        reporter.email,
                        _jira_date(created),
                        resolved,
                        component,
                        team,
                        description,
                    ],
                )
            )
    drafts.sort(key=lambda d: d[0])
    rows = []
    for number, (_, row) in enumerate(drafts, start=101):
        row[1], row[2] = f"FACT-{number}", str(10000 + number)
        rows.append(row)
    return rows


def _meeting_notes(people: list[_Member], today: dt.date) -> tuple[str, int]:
    go_live: dict[str, dt.date] = {}
    for person in people:
        go_live[person.team] = min(go_live.get(person.team, person.go_live), person.go_live)
    ambassadors = {p.team: p.matricule for p in people if p.ambassador}
    meetings = sorted(
        (go_live[team] + dt.timedelta(days=days), team, points)
        for days, team, points in _MEETINGS
        if go_live[team] + dt.timedelta(days=days) <= today
    )
    lines = ["# Réunions de suivi — Dubois Équipements", ""]
    count = 0
    for day, team, points in meetings:
        lines.append(f"## {day.isoformat()} — {team} — Point de suivi")
        if team in ambassadors:
            lines.append(f"Auteur : {ambassadors[team]}")
        lines.append("")
        for point in points:
            lines.append(f"- {point}")
            count += 1
        lines.append("")
    return "\n".join(lines), count
