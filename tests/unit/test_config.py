"""Config loading: every error names the file, the key path, the expected and the found value."""

from pathlib import Path

import pytest

from hypercare.config import ConfigError, load_config

VALID = """
privacy: {pseudonymize: true, min_group_size: 3}
locale: en
timezone: Europe/Paris
targets: {adoption_rate: 0.8, sus: 68}
support:
  sla_hours:
    Highest: {first_response: 1, resolution: 8}
sources:
  - name: annuaire
    kind: roster
    format: csv
    path: data/annuaire.csv
    csv: {delimiter: ";", encoding: utf-8-sig, decimal: ","}
    dates: {dayfirst: true, timezone: Europe/Paris}
    columns: {user: Matricule, team: Service, wave: Vague, go_live: Mise en service}
    values: {licensed: {Oui: true, Non: false}}
"""


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "Traceback" not in message
    assert all(line.startswith(str(path.resolve())) for line in message.splitlines()), message
    return info.value.problems


def test_valid_config(make_config, tmp_path):
    config = load_config(make_config(VALID))
    assert config.locale == "en"
    assert config.privacy.min_group_size == 3
    assert config.targets == {"adoption_rate": 0.8, "sus": 68.0}
    assert config.sla_hours["highest"].resolution == 8
    src = config.source("annuaire")
    assert src.csv.delimiter == ";" and src.csv.decimal == ","
    assert src.columns["go_live"] == "Mise en service"
    assert src.values["licensed"] == {"Oui": True, "Non": False}
    assert config.base_dir == tmp_path.resolve()


def test_relative_sqlite_path_is_relative_to_the_config_file(write, tmp_path):
    path = write("conf/hypercare.yaml", "store: {url: 'sqlite:///data/h.db'}\n")
    assert load_config(path).store_url == f"sqlite:///{tmp_path.resolve() / 'conf/data/h.db'}"


def test_db_url_from_the_environment_wins(make_config, monkeypatch):
    monkeypatch.setenv("HYPERCARE_DB_URL", "postgresql+psycopg://u:secret@db/h")
    assert load_config(make_config(VALID)).store_url == "postgresql+psycopg://u:secret@db/h"


def test_default_path_from_environment_then_cwd(make_config, monkeypatch, tmp_path):
    path = make_config(VALID)
    monkeypatch.chdir(tmp_path)
    assert load_config().path == path.resolve()
    other = tmp_path / "other.yaml"
    other.write_text("locale: fr\n")
    monkeypatch.setenv("HYPERCARE_CONFIG", str(other))
    assert load_config().path == other.resolve()


def test_every_problem_is_reported_with_its_key_path(make_config):
    path = make_config(
        """
        privacy: {min_group_size: -1, pseudonymise: true}
        locale: de
        timezone: Mars/Olympus
        targets: {adoption: 0.8, sus: high}
        sources:
          - name: usage
            kind: usage
            format: csv
            path: u.csv
            csv: {delimiter: ";;", encoding: ebcdic}
            columns: {usr: Utilisateur}
          - name: usage
            kind: telemetry
            path: t.csv
        """
    )
    found = problems(path)
    expected = [
        "privacy.pseudonymise: unknown key (did you mean 'pseudonymize'?)",
        "privacy.min_group_size: expected a whole number ≥ 1, found -1",
        "locale: expected one of fr, en, found 'de'",
        "timezone: expected an IANA time zone such as Europe/Paris, found 'Mars/Olympus'",
        "targets.adoption: unknown KPI code (did you mean 'adoption_rate'?)",
        "targets.sus: expected a number, found 'high'",
        "sources[0] (usage).csv.delimiter: expected a single character",
        "sources[0] (usage).csv.encoding: expected one of auto, utf-8",
        "sources[0] (usage).columns.usr: unknown key (did you mean 'user'?)",
        "sources[1].name: 'usage' is already the name of another source",
        "sources[1] (usage).kind: expected one of ",
        "found 'telemetry'",
    ]
    for fragment in expected:
        assert any(fragment in p for p in found), (fragment, found)


def test_yaml_syntax_error_names_the_line(write):
    path = write("hypercare.yaml", "locale: fr\nsources:\n  - name: [unclosed\n")
    (problem,) = problems(path)
    assert problem.startswith("line 4, column 1: not valid YAML") or "line 3" in problem


def test_missing_file(tmp_path):
    (problem,) = problems(tmp_path / "nope.yaml")
    assert "no such config file" in problem


def test_password_in_the_file_is_refused(make_config):
    path = make_config("locale: fr\n", store="postgresql+psycopg://u:hunter2@db/h")
    (problem,) = problems(path)
    assert "password does not belong in the config file" in problem
    assert "hunter2" not in problem


def test_top_level_must_be_a_mapping(write):
    (problem,) = problems(write("hypercare.yaml", "- a\n- b\n"))
    assert problem == "(top level): expected a mapping of keys, found a list"


def test_secret_key_required_when_pseudonymizing(make_config, monkeypatch):
    config = load_config(make_config(VALID))
    monkeypatch.delenv("HYPERCARE_SECRET_KEY")
    with pytest.raises(ConfigError, match=r"needs a secret key.*HYPERCARE_SECRET_KEY"):
        config.secret_key()


def test_secret_key_from_streamlit_secrets_next_to_the_config(make_config, write, monkeypatch):
    monkeypatch.delenv("HYPERCARE_SECRET_KEY")
    write(".streamlit/secrets.toml", 'HYPERCARE_SECRET_KEY = "from-file"\n')
    assert load_config(make_config(VALID)).secret_key() == b"from-file"


def test_no_key_needed_without_pseudonymization(make_config, monkeypatch):
    monkeypatch.delenv("HYPERCARE_SECRET_KEY")
    config = load_config(make_config("privacy: {pseudonymize: false}\n"))
    assert config.secret_key() is None


def test_example_config_is_valid(monkeypatch):
    example = Path(__file__).parents[2] / "hypercare.example.yaml"
    config = load_config(example)
    assert {s.kind for s in config.sources} >= {"roster", "usage"}
