"""Preset `jira-csv`: Jira issues exported as CSV (Cloud or Server / Data Center)."""

from collectors.formats import Format

FORMAT = Format(
    "jira-csv",
    "collectors.readers.csv",
    "Jira issues exported as CSV (Cloud or Server/Data Center, all fields)",
    defaults={
        "tickets": {
            "ref": ("Issue key", "Clé de ticket", "Key"),
            "subject": ("Summary", "Résumé"),
            "description": ("Description",),
            "priority": ("Priority", "Priorité"),
            "status": ("Status", "Statut", "État"),
            "module": ("Component/s", "Components", "Composants"),
            "team": ("Custom field (Team)", "Team", "Équipe"),
            "reporter": ("Reporter Id", "Reporter", "Rapporteur"),
            "created_at": ("Created", "Création", "Créé"),
            "resolved_at": ("Resolved", "Résolu", "Resolution date"),
        }
    },
    dayfirst_hints={"issue key": True},
)
