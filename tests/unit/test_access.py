"""The ``roles:`` section (metrics/access.py) and the viewer an e-mail address gets."""

from __future__ import annotations

import pytest

from hypercare import config as config_module
from hypercare.config import Checker, ConfigError, load_config
from metrics.access import RolesConfig, parse_section, viewer_for

ROLES = """
roles:
  managers: [Direction@Dubois.fr]
  support: support@dubois.fr
  ambassadors:
    claire@dubois.fr: [Comptabilité]
    paul@dubois.fr: Logistique
"""


def parse(value):
    chk = Checker()
    roles = parse_section(chk, value, "roles")
    return roles, chk.problems


def test_each_list_gives_its_role():
    roles, problems = parse(
        {
            "managers": ["Direction@Dubois.fr"],
            "support": "support@dubois.fr",
            "ambassadors": {"claire@dubois.fr": ["Comptabilité"], "paul@dubois.fr": "Logistique"},
        }
    )
    assert problems == []
    assert viewer_for(" direction@dubois.FR ", roles).role == "manager"  # case and spaces
    assert viewer_for("support@dubois.fr", roles).role == "support"
    claire = viewer_for("claire@dubois.fr", roles)
    assert (claire.role, claire.teams) == ("ambassador", frozenset({"Comptabilité"}))
    assert viewer_for("paul@dubois.fr", roles).teams == frozenset({"Logistique"})


def test_an_address_listed_nowhere_has_no_viewer():
    roles, _ = parse({"managers": ["a@x.fr"]})
    assert viewer_for("b@x.fr", roles) is None
    assert viewer_for(None, roles) is None
    assert viewer_for("a@x.fr", None) is None


def test_absent_section_lists_nobody():
    roles, problems = parse(None)
    assert problems == [] and roles == RolesConfig() and not roles.configured


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"managers": ["not-an-address"]}, "roles.managers[0]: expected an e-mail address"),
        ({"manager": ["a@x.fr"]}, "roles.manager: unknown key (did you mean 'managers'?)"),
        ({"ambassadors": {"a@x.fr": []}}, "roles.ambassadors.a@x.fr: expected a team name"),
        ({"ambassadors": ["a@x.fr"]}, "roles.ambassadors: expected a mapping"),
        (
            {"managers": ["a@x.fr"], "support": ["A@x.fr"]},
            "roles.support: a@x.fr is also listed under roles.managers",
        ),
    ],
)
def test_mistakes_are_named(value, expected):
    _, problems = parse(value)
    assert any(p.startswith(expected) for p in problems), problems


def test_the_section_loads_from_the_config_once_registered(make_config, monkeypatch):
    monkeypatch.setitem(config_module.SECTIONS, "roles", "metrics.access")
    config = load_config(make_config(ROLES))
    roles = config.sections["roles"]
    assert viewer_for("claire@dubois.fr", roles).teams == frozenset({"Comptabilité"})

    bad = make_config("roles:\n  support: [nobody]\n")
    with pytest.raises(ConfigError, match=r"roles\.support\[0\]"):
        load_config(bad)
