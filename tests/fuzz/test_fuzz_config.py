"""Property-based fuzzing of the config loader, ``hypercare.config.load_config``.

Random YAML documents (mappings, lists, scalars of every type), raw random text, and mutations of
a valid config that uses every section (a wrong type at a random key path, an unknown key, a key
deleted, huge numbers, unicode, nothing) are written to a file and loaded. Whatever the input,
``load_config`` returns a ``Config`` or raises ``ConfigError``, never another exception; every
problem of the error names the place (a key path, or a line and column of the YAML); and no
message ever shows a password planted in a database URL.
"""

from __future__ import annotations

import copy
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from fuzz_shapes import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from hypercare.config import SECTIONS, TOP_LEVEL_KEYS, Config, ConfigError, load_config

SECRET = "Pa55-w0rd-XYZ"
VALID = """
store: {url: sqlite:///hypercare.db}
privacy: {pseudonymize: true, min_group_size: 5, retention_days: 400}
locale: fr
timezone: Europe/Paris
core_features: [invoice.create, invoice.send]
targets: {adoption_rate: 0.8, sus: 68}
support:
  sla_hours:
    Highest: {first_response: 1, resolution: 8}
    Low: {first_response: 24, resolution: 120}
sources:
  - name: annuaire
    kind: roster
    format: csv
    path: data/annuaire.csv
    csv: {delimiter: ";", encoding: utf-8-sig, decimal: ","}
    dates: {dayfirst: true, timezone: Europe/Paris}
    columns: {user: Matricule, team: Service, wave: Vague, go_live: Mise en service}
    values: {licensed: {Oui: true, Non: false}}
  - {name: web, kind: usage, format: access-log, path: logs/access.log*}
  - {name: app, kind: errors, format: jsonl, path: logs/app.jsonl}
  - name: pulse
    kind: survey
    format: google-forms
    path: surveys/pulse.csv
    questions: {nps: "Recommanderiez-vous ?", comment: ["Commentaire"]}
  - {name: sm, kind: survey, format: microsoft-forms, path: f.xlsx, sheet: Feuil1,
      questions: {csat: Satisfaction}}
  - {name: jira, kind: tickets, format: jira-csv, path: tickets/jira.csv}
  - {name: cr, kind: meetings, format: meeting-notes-md, path: notes/*.md}
  - name: legacy
    kind: usage
    format: sql
    url_env: LEGACY_DB_URL
    query: SELECT at, login FROM activity
    watermark: at
    columns: {ts: at, user: login}
waves:
  criteria:
    - {kpi: adoption_rate, min_days: 30}
    - {kpi: error_rate, comparison: "<=", threshold: 0.05, min_days: 14}
  per_wave:
    pilote: [{kpi: activation_rate, threshold: 0.95, min_days: 14}]
exit:
  criteria: [{kpi: adoption_rate, scope: all, threshold: 0.85, min_days: 60}]
surveys:
  min_responses: 10
  confidence: 0.95
  period: month
  ces: {scale: 7, mode: mean, direction: down}
backlog:
  scoring: rice
  urgent: {keywords: [bloquant, blocked], priorities: [Highest]}
  impact: {high_priorities: [High]}
  effort: {default: 1}
  quick_win: {max_effort: 1}
  themes: {distance: 0.82, duplicate_similarity: 0.8}
  links: {jira: "https://example.atlassian.net/browse/{ref}"}
alerts:
  repeat: 7d
  notify:
    slack: {url_env: HYPERCARE_SLACK_WEBHOOK}
    email: {host: smtp.example.fr, port: 587, starttls: true, from: hc@example.fr,
             to: [pmo@example.fr], username: hc@example.fr, password_env: SMTP_PASSWORD}
  rules:
    - {name: adoption-basse, kind: threshold, kpi: adoption_rate, scope: "team:*",
        comparison: "<", value: 0.7, recovery: 0.75, pending: 2, min_volume: 5,
        severity: critical, labels: {owner: PMO}}
    - {name: chute, kind: change, kpi: adoption_rate, scope: [all, "wave:*"], window: 7,
        comparison: "<", value: -0.1}
    - {name: inhabituel, kind: anomaly, kpi: dau, scope: all, sensitivity: 3.5}
roles:
  managers: [direction@example.fr]
  support: [support@example.fr]
  ambassadors: {claire@example.fr: [Comptabilité]}
reconciliation:
  sides:
    legacy: {url: "sqlite:///exports/ancien.db"}
    new: {url_env: HYPERCARE_NEW_DB_URL}
  entities:
    - name: factures
      legacy: {query: "SELECT num, montant FROM factures"}
      new: {query: "SELECT number AS num, total AS montant FROM invoices"}
      key: [num]
      compare: [montant]
      sums: [montant]
      tolerance: {montant: 0.01}
"""
BASE = yaml.safe_load(VALID)
URLS_WITH_SECRET = [
    f"postgresql+psycopg://hc:{SECRET}@db.example.fr/hc",
    f"postgresql://hc:{SECRET}@db.example.fr:notaport/hc",
    f"postgresql://hc:{SECRET}@[::1/hc",
    f"mysql://hc:{SECRET}@/",
    f"hc:{SECRET}@db.example.fr",
    f"postgresql://hc:{SECRET}@db.example.fr/hc?sslmode=require&sslmode=disable",
    f"postgresql://hc:{SECRET}@db.example.fr:99999999999/hc",
    f"sqlite://hc:{SECRET}@/x.db",
]
# Where a database URL goes: the planted password must never come back in a message.
URL_KEYS = [
    ("store", "url"),
    ("sources", 7, "url"),
    ("sources", 0, "url"),
    ("reconciliation", "sides", "legacy", "url"),
    ("reconciliation", "sides", "new", "url"),
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**18, max_value=10**40),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["", "csv", "usage", "Europe/Paris", "Mars/Olympus", "fr", "*", "7d", "-1"]),
    st.dates(),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.text(max_size=8), st.integers(), st.none()), children, max_size=4
        ),
    ),
    max_leaves=12,
)
KEYS = [*TOP_LEVEL_KEYS, *SECTIONS]
top_level = st.dictionaries(st.sampled_from(KEYS), documents, max_size=6)


def paths_of(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path of a parsed YAML document (dict keys and list indexes)."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths_of(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths_of(value, (*prefix, index))
    return found


BASE_PATHS = paths_of(BASE)


def _parent(doc: Any, path: tuple) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


@st.composite
def mutated_configs(draw: st.DrawFn) -> dict:
    """The valid config with a few random changes at random key paths."""
    doc = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        paths = paths_of(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(doc, path)
        how = draw(st.sampled_from(["replace", "replace", "delete", "unknown key", "secret url"]))
        if how == "replace":
            parent[path[-1]] = draw(documents)
        elif how == "delete":
            del parent[path[-1]]
        elif how == "unknown key" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = draw(documents)
        elif how == "secret url":
            _plant(doc, draw(st.sampled_from(URL_KEYS)), draw(secret_urls))
    return doc


secret_urls = st.one_of(
    st.sampled_from(URLS_WITH_SECRET),
    st.sampled_from(URLS_WITH_SECRET).map(lambda url: [url]),
    st.sampled_from(URLS_WITH_SECRET).map(lambda url: {"url": url}),
)


def _plant(doc: dict, path: tuple, value: Any) -> None:
    """Set ``path`` to ``value`` where the parents are still there as mappings or lists."""
    node: Any = doc
    for part in path[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return
    last = path[-1]
    if isinstance(node, dict) or (
        isinstance(node, list) and isinstance(last, int) and last < len(node)
    ):
        node[last] = value


def load_text(text: str | bytes) -> Config | None:
    """Load ``text`` as a config file; check the error when it is refused."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hypercare.yaml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            return load_config(path)
        except ConfigError as exc:
            check_error(exc, path)
            return None


def check_error(exc: ConfigError, path: Path) -> None:
    assert exc.problems, "a refused config says why"
    message = str(exc)
    assert SECRET not in message, message
    for problem in exc.problems:
        assert str(path) in message
        assert "Traceback" not in problem
        assert _names_a_place(problem), problem


# A problem starts with where it is: a key path (``sources[2] (web).csv.delimiter``, ``store``),
# ``(top level)``, or the line and column of a YAML syntax error.
_PLACE = re.compile(r"^(\(top level\)|line \d+(, column \d+)?|[^\s].*?): ", re.DOTALL)


def _names_a_place(problem: str) -> bool:
    return bool(_PLACE.match(problem))


def dump(doc: Any) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def test_the_valid_config_loads(monkeypatch: pytest.MonkeyPatch):
    config = load_text(VALID)
    assert config is not None and len(config.sources) == 8


@fuzz_settings(200)
@given(doc=mutated_configs())
def test_mutated_config(doc):
    text = dump(doc)
    config = load_text(text)
    if config is not None:
        assert isinstance(config, Config)


@fuzz_settings(120)
@given(doc=st.one_of(documents, top_level))
def test_random_document(doc):
    load_text(dump(doc))


@fuzz_settings(80)
@given(text=st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_random_text(text):
    load_text(text)


@fuzz_settings(40)
@given(url=st.sampled_from(URLS_WITH_SECRET), path=st.sampled_from(URL_KEYS))
def test_a_password_is_never_shown(url, path):
    doc = copy.deepcopy(BASE)
    _plant(doc, path, url)
    assert load_text(dump(doc)) is None, "a password in the file is refused"
