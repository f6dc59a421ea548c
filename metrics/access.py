"""Who may read what: the ``roles:`` config section, and the viewer an e-mail address gets.

The dashboard asks the identity provider (OIDC, through ``st.login``) who is there; this module
says which role that e-mail address has. An address listed nowhere gets no viewer (no access)::

    roles:
      managers: [direction@dubois.fr]              # everything
      support: [support@dubois.fr]                 # support, alerts and the backlog
      ambassadors:                                 # their own teams' rows; others as counts
        claire.martin@dubois.fr: [Comptabilité]
        paul.durand@dubois.fr: Logistique          # one team may be written alone

Addresses are compared without regard to case or surrounding spaces; an address listed under
two roles is a config error (the intended one cannot be guessed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from metrics.viewer import Viewer

if TYPE_CHECKING:
    from hypercare.config import Checker

ROLE_KEYS = ("managers", "support", "ambassadors")


@dataclass(frozen=True)
class RolesConfig:
    """E-mail addresses (case-folded) of each role; ambassadors with their teams."""

    managers: frozenset[str] = frozenset()
    support: frozenset[str] = frozenset()
    ambassadors: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def configured(self) -> bool:
        """Whether any address is listed at all."""
        return bool(self.managers or self.support or self.ambassadors)


def normalize_email(email: str) -> str:
    """The form addresses are compared in: stripped and case-folded."""
    return email.strip().casefold()


def _emails(chk: Checker, value: Any, key: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        chk.fail(key, "a list of e-mail addresses", value)
        return frozenset()
    out = set()
    for index, item in enumerate(value):
        if not isinstance(item, str) or "@" not in item:
            chk.fail(f"{key}[{index}]", "an e-mail address such as direction@example.fr", item)
            continue
        out.add(normalize_email(item))
    return frozenset(out)


def _ambassadors(chk: Checker, value: Any, key: str) -> dict[str, frozenset[str]]:
    raw = chk.mapping(value, key)
    out: dict[str, frozenset[str]] = {}
    for email, teams in raw.items():
        where = f"{key}.{email}"
        if not isinstance(email, str) or "@" not in email:
            chk.fail(key, "e-mail addresses as keys, each with its teams", email)
            continue
        if isinstance(teams, str):
            teams = [teams]
        if (
            not isinstance(teams, list)
            or not teams
            or not all(isinstance(t, str) and t.strip() for t in teams)
        ):
            chk.fail(where, "a team name or a list of team names (as in the roster)", teams)
            continue
        out[normalize_email(email)] = frozenset(t.strip() for t in teams)
    return out


def parse_section(chk: Checker, value: Any, key: str) -> RolesConfig:
    """Parse ``roles:`` (see the module docstring); absent means no address is listed."""
    raw = chk.mapping(value, key)
    chk.unknown_keys(raw, ROLE_KEYS, key)
    roles = RolesConfig(
        managers=_emails(chk, raw.get("managers"), f"{key}.managers"),
        support=_emails(chk, raw.get("support"), f"{key}.support"),
        ambassadors=_ambassadors(chk, raw.get("ambassadors"), f"{key}.ambassadors"),
    )
    lists = {
        "managers": roles.managers,
        "support": roles.support,
        "ambassadors": frozenset(roles.ambassadors),
    }
    seen: dict[str, str] = {}
    for name, emails in lists.items():
        for email in sorted(emails):
            if email in seen:
                chk.problems.append(
                    f"{key}.{name}: {email} is also listed under {key}.{seen[email]}; "
                    "give each address one role"
                )
            seen.setdefault(email, name)
    return roles


def viewer_for(email: str | None, roles: RolesConfig | None) -> Viewer | None:
    """The viewer of the person with ``email``, or None when the address has no role."""
    if not email or roles is None:
        return None
    wanted = normalize_email(email)
    if wanted in roles.managers:
        return Viewer("manager", email=wanted)
    if wanted in roles.support:
        return Viewer("support", email=wanted)
    if wanted in roles.ambassadors:
        return Viewer("ambassador", teams=roles.ambassadors[wanted], email=wanted)
    return None
