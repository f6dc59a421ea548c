"""The ``alerts:`` section of the config: rules, channels, and the errors a user can make."""

import datetime as dt

import pytest

from hypercare.config import ConfigError, load_config
from metrics.alerts.rules import AlertsConfig, EmailChannel, WebhookChannel, parse_days

GOOD = """
alerts:
  dashboard_url: https://hypercare.example.fr/
  repeat: 3d
  notify:
    slack: {url_env: HC_SLACK}
    teams: {url_env: HC_TEAMS, timeout: 5}
    email: {host: smtp.example.fr, from: hypercare@example.fr, to: [a@example.fr, b@example.fr],
            username: hypercare, password_env: HC_SMTP}
  rules:
    - name: adoption-basse
      kind: threshold
      kpi: adoption_rate
      scope: "team:*"
      comparison: "<"
      value: 0.6
      recovery: 0.65
      pending: 2
      min_volume: 8
      severity: critical
      labels: {owner: PMO}
      repeat: never
      channels: [email]
    - name: adoption-chute
      kind: change
      kpi: adoption_rate
      scope: [all, "wave:*"]
      window: 1w
      comparison: lt
      value: -0.1
    - name: dau-inhabituel
      kind: anomaly
      kpi: dau
      sensitivity: 4
      direction: low
    - name: objectif-adoption
      kind: forecast_slip
      scope: "team:*"
      planned: {"team:Logistique": 2026-09-30, "*": 2026-07-31}
      tolerance_days: 14
"""


def test_a_full_section_is_parsed(make_config):
    config = load_config(make_config(GOOD))
    alerts = config.sections["alerts"]
    assert isinstance(alerts, AlertsConfig)
    assert alerts.dashboard_url == "https://hypercare.example.fr/"
    assert alerts.repeat == 3
    slack, teams, email = alerts.channels
    assert slack == WebhookChannel("slack", "HC_SLACK")
    assert teams == WebhookChannel("teams", "HC_TEAMS", 5.0)
    assert isinstance(email, EmailChannel)
    assert (email.port, email.starttls, email.ssl) == (587, True, False)
    assert email.to == ("a@example.fr", "b@example.fr")

    low, drop, anomaly, slip = alerts.rules
    assert (low.kind, low.kpi, low.scopes, low.comparison, low.value, low.recovery) == (
        "threshold",
        "adoption_rate",
        ("team:*",),
        "<",
        0.6,
        0.65,
    )
    assert (low.pending, low.min_volume, low.severity, low.repeat) == (
        2,
        (("licensed_users", 8.0),),
        "critical",
        None,
    )
    assert low.labels == (("owner", "PMO"),) and low.channels == ("email",)
    assert alerts.channels_of(low) == [email]
    assert low.matches("team:ADV") and not low.matches("wave:pilote") and not low.matches("all")
    assert (drop.window, drop.comparison, drop.measure, drop.repeat) == (7, "<", "relative", 3)
    assert drop.matches("all") and drop.matches("wave:vague 1")
    assert (anomaly.sensitivity, anomaly.direction, anomaly.scopes) == (4.0, "low", ("all",))
    assert slip.kpi == "adoption_rate"  # the default KPI of a forecast slip
    assert slip.planned_for("team:Logistique") == dt.date(2026, 9, 30)
    assert slip.planned_for("team:ADV") == dt.date(2026, 7, 31)
    assert slip.tolerance_days == 14


def test_no_section_means_no_rules(make_config):
    config = load_config(make_config("locale: en\n"))
    assert config.sections["alerts"] == AlertsConfig()


def problems_of(make_config, body: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(make_config(body))
    return str(info.value)


def test_secrets_are_refused_in_the_file(make_config):
    text = problems_of(
        make_config,
        """
        alerts:
          notify:
            slack: {url: "https://hooks.slack.com/services/T/B/X"}
            email: {host: smtp.x.fr, from: a@x.fr, to: b@x.fr, username: a, password: hunter2}
        """,
    )
    assert "alerts.notify.slack.url: a webhook URL is a secret" in text
    assert "url_env" in text
    assert "alerts.notify.email.password: a password does not belong in the config" in text
    assert "hooks.slack.com" not in text and "hunter2" not in text


def test_every_mistake_is_reported_with_its_key_path(make_config):
    text = problems_of(
        make_config,
        """
        alerts:
          rules:
            - {name: a, kind: threshold, kpi: adoption, comparison: "<", value: 0.5}
            - {name: b, kind: threshold, kpi: adoption_rate, comparison: "=<", value: 70}
            - {name: c, kind: threshold, kpi: adoption_rate, comparison: "<", value: 0.6,
               recovery: 0.5, severity: urgent, scope: "team ADV"}
            - {name: c, kind: trend, kpi: dau}
            - {name: d, kind: change, kpi: dau, comparison: ">", value: 0.5, windw: 7}
            - {name: e, kind: anomaly, kpi: dau, sensitivity: 0, channels: [slack]}
            - {name: f, kind: forecast_slip, pending: soon}
        """,
    )
    lines = text.splitlines()
    assert any(
        "alerts.rules[0] (a).kpi: unknown KPI code 'adoption' (did you mean 'adoption_rate'?)"
        in line
        for line in lines
    )
    assert "alerts.rules[1] (b).comparison: expected one of <, <=, >, >=" in text
    assert "alerts.rules[1] (b).value: expected a fraction for adoption_rate" in text
    assert "alerts.rules[2] (c).recovery: expected a value ≥ value (0.6)" in text
    assert "alerts.rules[2] (c).severity: expected one of info, warning, critical" in text
    assert "alerts.rules[2] (c).scope: expected a scope" in text
    assert "alerts.rules[3].name: 'c' is already the name of another rule" in text
    assert "alerts.rules[3] (c).kind: expected one of threshold, change, anomaly" in text
    assert "alerts.rules[4] (d).windw: unknown key (did you mean 'window'?)" in text
    assert "alerts.rules[5] (e).sensitivity: expected a positive number" in text
    assert "alerts.rules (e).channels: slack is not configured under alerts.notify" in text
    assert "alerts.rules[6] (f).planned: expected the planned date" in text
    assert "alerts.rules[6] (f).pending: expected a number of days such as 3, 3d or 2w" in text
    assert all(line.startswith(str(make_config("")).rsplit("/", 1)[0]) for line in lines)


def test_unknown_section_keys_and_channel_mistakes(make_config):
    text = problems_of(
        make_config,
        """
        alerts:
          rule: []
          notify:
            slack: {url_env: "https://x"}
            sms: {to: "0600000000"}
            email: {host: smtp.x.fr, to: nobody}
        """,
    )
    assert "alerts.rule: unknown key (did you mean 'rules'?)" in text
    assert "alerts.notify.sms: unknown key" in text
    assert "alerts.notify.slack.url_env: expected the name of an environment variable" in text
    assert "alerts.notify.email.to: expected an e-mail address or a list of them" in text
    assert "alerts.notify.email.from: expected a value, found nothing" in text


def test_days_are_written_plainly():
    assert parse_days(3) == 3
    assert parse_days("3d") == 3
    assert parse_days("2w") == 14
    assert parse_days("never", allow_never=True) is None
    with pytest.raises(ValueError):
        parse_days("3h")
    with pytest.raises(ValueError):
        parse_days(-1)
