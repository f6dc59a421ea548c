"""Who is looking: every read of the dashboard, the CLI and the exports goes through a viewer.

A manager sees everything; an ambassador sees their own team(s) (other teams only as counts);
a support lead sees support, alerts and the backlog. Scoping is enforced where data is read, not by
hiding widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("manager", "ambassador", "support")


@dataclass(frozen=True)
class Viewer:
    """A person's role and the teams they may see in detail."""

    role: str = "manager"
    teams: frozenset[str] = field(default_factory=frozenset)
    email: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"{self.role!r} is not a role (expected one of {', '.join(ROLES)})")

    @property
    def sees_all_teams(self) -> bool:
        """Managers and support leads read every team's rows; ambassadors only their own."""
        return self.role in ("manager", "support")

    def may_see_team(self, team: str | None) -> bool:
        """Whether rows (texts, people) of ``team`` may reach this viewer."""
        return self.sees_all_teams or (team is not None and team in self.teams)

    def may_edit_team(self, team: str | None) -> bool:
        """Whether this viewer may edit items (feedback status, notes) of ``team``."""
        if self.role == "manager":
            return True
        return self.role == "ambassador" and team is not None and team in self.teams


MANAGER = Viewer("manager")
CLI = MANAGER  # the command line runs with the rights of whoever can read the config and store
