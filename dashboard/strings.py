"""Every string of the dashboard, in French and English (``i18n.t`` reads them).

KPI names are not here: they come from the KPI registry. Both languages have the same keys and
placeholders (a test keeps them so).
"""

from __future__ import annotations

BASE: dict[str, dict[str, str]] = {
    "fr": {
        # app and sidebar (the language switch is labelled in both languages)
        "config_error": "La configuration ne peut pas être chargée",
        "store_error": "Le stockage des métriques ne peut pas être ouvert",
        "as_of": "Situation au",
        "as_of_help": "Les indicateurs sont calculés sur les fenêtres qui finissent ce jour-là.",
        "teams": "Équipes",
        "teams_placeholder": "Choisissez des équipes",
        # adoption page
        "page_adoption": "Adoption",
        "adoption_question": "Qui a commencé, qui pas encore, et est-ce que ça se diffuse ?",
        "as_of_caption": "Situation au {date} · toute l'entreprise",
        "target": "cible {value}",
        "change_7d": "sur 7 j",
        "vs_target": "cible {target} · {change}",
        "points": "{sign}{value} pt",
        "points_plural": "{sign}{value} pts",
        "per_team": "Adoption par équipe",
        "per_team_caption": "Taux d'adoption (actifs sur 7 jours ÷ licenciés) au {date}, "
        "face à la cible de {target}.",
        "trend": "Tendance de l'adoption",
        "trend_caption": "Taux d'adoption jour par jour sur les 90 jours jusqu'au {date}.",
        "team_table": "Indicateurs par équipe",
        "download_csv": "Télécharger (CSV)",
        "no_team_selected": "Aucune équipe sélectionnée : choisissez des équipes dans le "
        "filtre à gauche.",
        "privacy_hidden_one": "1 équipe masquée : moins de {n} utilisateurs licenciés "
        "(règle de confidentialité).",
        "privacy_hidden_many": "{count} équipes masquées : moins de {n} utilisateurs licenciés "
        "chacune (règle de confidentialité).",
        "all_suppressed": "Moins de {n} utilisateurs licenciés au total : rien n'est affiché "
        "(règle de confidentialité, privacy.min_group_size).",
        # empty states
        "no_roster_configure": "Aucun annuaire : configurez une source de kind roster dans "
        "hypercare.yaml, puis lancez hypercare collect.",
        "no_roster_collect": "Aucun annuaire chargé : lancez hypercare collect pour lire la "
        "source {sources} (kind roster).",
        "no_usage_configure": "Aucune donnée d'usage : configurez une source de kind usage "
        "dans hypercare.yaml, puis lancez hypercare collect.",
        "no_usage_collect": "Aucune donnée d'usage chargée : lancez hypercare collect pour lire "
        "la source {sources} (kind usage).",
        "no_usage_as_of": "Aucune donnée d'usage au {date} ou avant : choisissez une date plus "
        "récente.",
        # chart and table words
        "team": "Équipe",
        "all_teams": "Toute l'entreprise",
        "day": "Jour",
        "target_met": "Cible atteinte",
        "target_missed": "Sous la cible",
        "adoption_change_7d": "Adoption sur 7 j",
    },
    "en": {
        "config_error": "The configuration cannot be loaded",
        "store_error": "The metrics store cannot be opened",
        "as_of": "As of",
        "as_of_help": "KPIs are computed over the windows ending on this day.",
        "teams": "Teams",
        "teams_placeholder": "Choose teams",
        "page_adoption": "Adoption",
        "adoption_question": "Who has started, who has not, and is it spreading?",
        "as_of_caption": "As of {date} · whole company",
        "target": "target {value}",
        "change_7d": "7-day",
        "vs_target": "target {target} · {change}",
        "points": "{sign}{value} pt",
        "points_plural": "{sign}{value} pts",
        "per_team": "Adoption per team",
        "per_team_caption": "Adoption rate (active in 7 days ÷ licensed) on {date}, "
        "against the {target} target.",
        "trend": "Adoption trend",
        "trend_caption": "Daily adoption rate over the 90 days up to {date}.",
        "team_table": "KPIs per team",
        "download_csv": "Download (CSV)",
        "no_team_selected": "No team selected: choose teams in the filter on the left.",
        "privacy_hidden_one": "1 team hidden: fewer than {n} licensed users (privacy rule).",
        "privacy_hidden_many": "{count} teams hidden: fewer than {n} licensed users each "
        "(privacy rule).",
        "all_suppressed": "Fewer than {n} licensed users in total: nothing is shown "
        "(privacy rule, privacy.min_group_size).",
        "no_roster_configure": "No roster: configure a source of kind roster in hypercare.yaml, "
        "then run hypercare collect.",
        "no_roster_collect": "No roster loaded yet: run hypercare collect to read the source "
        "{sources} (kind roster).",
        "no_usage_configure": "No usage data: configure a source of kind usage in "
        "hypercare.yaml, then run hypercare collect.",
        "no_usage_collect": "No usage data loaded yet: run hypercare collect to read the source "
        "{sources} (kind usage).",
        "no_usage_as_of": "No usage data on or before {date}: choose a later day.",
        "team": "Team",
        "all_teams": "Whole company",
        "day": "Day",
        "target_met": "Target met",
        "target_missed": "Below target",
        "adoption_change_7d": "Adoption, 7-day change",
    },
}


PAGES: dict[str, dict[str, str]] = {
    "fr": {
        "waves": "Vagues",
        "waves_placeholder": "Choisissez des vagues",
        "local_mode": "Mode local",
        "local_mode_help": "pas de connexion configurée : accès responsable (tout est visible).",
        "login_needed": "Connectez-vous pour voir le tableau de bord d'hypercare.",
        "login": "Se connecter",
        "logout": "Se déconnecter",
        "access_denied": (
            "L'adresse {email} n'a pas de rôle dans ce tableau de bord : demandez à un responsable "
            "de l'ajouter sous roles: dans hypercare.yaml."
        ),
        "role_manager": "responsable",
        "role_ambassador": "ambassadeur",
        "role_support": "responsable support",
        "page_overview": "Vue d'ensemble",
        "page_trends": "Tendances",
        "page_support": "Support",
        "page_quality": "Qualité des données",
        "page_glossary": "Glossaire",
        "overview_question": "Sommes-nous sur la bonne voie, et où pas ?",
        "overview_scope": "Situation au {date} · Équipes : {teams} · Vagues : {waves}",
        "all_word": "toutes",
        "fresh_as_of": "Données à jour au {when}",
        "sources_ok": "{n} source(s) OK",
        "sources_late": "{n} en retard ou en erreur",
        "sla_breached_count": "{n} hors SLA",
        "waves_title": "Vagues : peut-on ouvrir la suivante ?",
        "no_waves": "Aucune vague : ajoutez une colonne wave à l'annuaire (source de kind roster).",
        "verdict_GO": "GO",
        "verdict_NO-GO": "NO-GO",
        "verdict_WAIT": "ATTENTE",
        "too_early": "{kpi} jugé à partir de J+{day}",
        "criterion_hidden": "{kpi} : périmètre masqué (trop peu de personnes)",
        "criterion_no_data": "{kpi} : pas de données",
        "no_criteria": "aucun critère configuré (section waves:)",
        "exit": "Sortie d'hypercare",
        "alerts_firing": "{n} alerte(s) active(s)",
        "alerts_none_firing": "Aucune alerte active ({n} en attente).",
        "alerts_never": (
            "Aucune alerte évaluée : configurez la section alerts: et lancez hypercare alerts."
        ),
        "heatmap_title": "Équipes × indicateurs",
        "heatmap_caption": (
            "Chaque case est colorée selon la cible de l'indicateur et son sens (un taux d'erreur "
            "bas est une bonne nouvelle)."
        ),
        "heatmap_table": "Le tableau et son CSV",
        "status_met": "Cible atteinte",
        "status_near": "Proche de la cible",
        "status_missed": "Loin de la cible",
        "status_none": "Sans cible",
        "other_teams": (
            "{n} autre(s) équipe(s), vue(s) en nombre seulement : {on_target} à la cible "
            "d'adoption."
        ),
        "kpi": "Indicateur",
        "value": "Valeur",
        "target_word": "Cible",
        "state": "État",
        "funnel_title": "Licenciés → activés → actifs de la semaine",
        "funnel_caption": (
            "Au {date} : qui a une licence, qui s'en est servi au moins une fois depuis sa mise en "
            "service, qui s'en est servi ces 7 derniers jours."
        ),
        "funnel_licensed": "Licenciés",
        "funnel_activated": "Activés",
        "funnel_weekly_active": "Actifs sur 7 jours",
        "people": "Personnes",
        "stage": "Étape",
        "share_of_licensed": "Part des licenciés",
        "scope": "Périmètre",
        "waves_axis_title": "Les vagues depuis leur mise en service",
        "waves_axis_caption": (
            "Adoption de chaque vague selon les jours écoulés depuis sa mise en service ; la vague "
            "« {pilot} » (trait épais) sert de référence."
        ),
        "days_since_go_live": "Jours depuis la mise en service",
        "wave": "Vague",
        "lifecycle_title": "Arrivées et départs par semaine",
        "lifecycle_caption": (
            "{scope} : nouveaux, revenus et fidèles au-dessus de zéro, dormants (actifs la semaine "
            "d'avant, pas celle-ci) en dessous."
        ),
        "life_new": "Nouveaux",
        "life_resurrecting": "Revenus",
        "life_returning": "Fidèles",
        "life_dormant": "Dormants",
        "week_of": "Semaine du",
        "bands_title": "Fréquence d'usage",
        "bands_caption": "Licenciés selon leurs jours d'activité sur 30 jours.",
        "band_inactive": "Inactifs (0 j)",
        "band_occasional": "Occasionnels (1–3 j)",
        "band_regular": "Réguliers (4–11 j)",
        "band_frequent": "Fréquents (12 j et plus)",
        "band": "Fréquence",
        "features_title": "Fonctions × équipes",
        "features_caption": "Part des licenciés qui ont utilisé chaque fonction sur 30 jours.",
        "feature": "Fonction",
        "no_features": (
            "Aucune fonction dans les données d'usage : mappez la colonne feature de la source "
            "d'usage."
        ),
        "no_data_scope": "Pas de données pour ce périmètre.",
        "trends_question": "Comment évolue cet indicateur, ici, et atteindra-t-il sa cible ?",
        "scopes": "Périmètres",
        "period": "Période",
        "days_n": "{n} j",
        "computing": "Calcul des indicateurs jour par jour…",
        "direction_up": "plus haut c'est mieux",
        "direction_down": "plus bas c'est mieux",
        "no_scope_selected": "Aucun périmètre sélectionné : choisissez-en au moins un.",
        "no_data_kpi": (
            "Pas encore de données pour cet indicateur : configurez et collectez la source qui le "
            "nourrit."
        ),
        "forecast": "Prévision",
        "forecast_reached": "cible atteinte vers le {date}",
        "forecast_column": "Cible d'adoption",
        "forecast_column_help": (
            "Quand l'équipe atteint la cible d'adoption à ce rythme (courbe ajustée sur 120 jours)."
        ),
        "forecast_team_reached": "✅ atteinte",
        "forecast_team_on": "vers le {date}",
        "forecast_team_never": "pas à ce rythme",
        "not_started_title": "Pas encore démarré",
        "not_started_note": (
            "Personnes sous licence, en service, sans aucune activité depuis leur mise en service. "
            "Liste nominative permise par privacy.individual_views : à utiliser pour les aider, "
            "pas pour les évaluer."
        ),
        "not_started_none": "Tout le monde a démarré.",
        "ns_name": "Nom",
        "ns_person": "Identifiant",
        "ns_go_live": "Mise en service",
        "ns_days": "Jours depuis la mise en service",
        "forecast_not_reached": "cible non atteinte à ce rythme",
        "anomaly": "Anomalie",
        "expected": "Attendu",
        "anomalies_found": "{n} jour(s) anormal(aux)",
        "anomalies_none": "aucune anomalie détectée",
        "anomalies_unavailable": (
            "détection d'anomalies indisponible (module metrics.anomalies absent)"
        ),
        "support_question": "Qu'est-ce qui brûle, et tenons-nous nos promesses ?",
        "no_tickets_configure": (
            "Aucun ticket : configurez une source de kind tickets dans hypercare.yaml (jira-csv, "
            "zendesk-csv, freshdesk-csv…), puis lancez hypercare collect."
        ),
        "no_tickets_collect": (
            "Aucun ticket chargé : lancez hypercare collect pour lire la source {sources} (kind "
            "tickets)."
        ),
        "no_errors_configure": (
            "Aucun journal d'erreurs : configurez une source de kind errors dans hypercare.yaml, "
            "puis lancez hypercare collect."
        ),
        "no_errors_collect": (
            "Aucun journal d'erreurs chargé : lancez hypercare collect pour lire la source "
            "{sources} (kind errors)."
        ),
        "sla_breached": "Hors SLA",
        "sla_at_risk": "À risque",
        "sla_on_time": "Dans les temps",
        "sla_no_target": "Sans cible",
        "sla_state": "SLA",
        "open_by_priority": "Tickets ouverts par priorité",
        "no_open_tickets": "Aucun ticket ouvert.",
        "ticket": "Ticket",
        "subject": "Objet",
        "priority": "Priorité",
        "hours_left": "Heures restantes",
        "age_h": "Âge (h)",
        "module": "Module",
        "created": "Créé le",
        "source": "Source",
        "tickets": "Tickets",
        "response_times": "Délais de réponse et de résolution",
        "response_times_caption": (
            "Médianes par semaine de création, sur {weeks} semaines ; cibles en pointillés "
            "(targets: first_response_p50_h, resolution_p50_h)."
        ),
        "hours": "Heures",
        "error_spikes": "Pics d'erreurs par module",
        "error_spikes_caption": (
            "Entrées de niveau ERROR ou plus par jour sur {days} jours ; {n} pic(s) signalé(s) en "
            "rouge."
        ),
        "errors_per_day": "Erreurs par jour",
        "no_errors_window": "Aucune erreur sur les {days} derniers jours.",
        "quality_question": "Peut-on se fier à ces chiffres ?",
        "no_sources": (
            "Aucune source configurée : ajoutez des sources dans hypercare.yaml, puis lancez "
            "hypercare collect."
        ),
        "never_collected": "Aucune collecte encore : lancez hypercare collect.",
        "state_ok": "OK",
        "state_late": "En retard",
        "state_error": "En erreur",
        "state_never": "Jamais lue",
        "sources_title": "Sources",
        "kind": "Type",
        "last_read": "Dernière lecture",
        "newest_day": "Donnée la plus récente",
        "age_days": "Retard (j)",
        "rows_read": "Lignes lues",
        "accepted": "Acceptées",
        "duplicates": "Doublons",
        "quarantined": "En quarantaine",
        "last_error": "Dernière erreur",
        "last_success": "Dernier succès",
        "module_error_rates": "Taux d'erreur par module (supervision)",
        "module_error_rates_caption": (
            "Requêtes et erreurs comptées par la supervision ou un export agrégé sur {days} jours "
            "(error_counts) ; elles remplacent les événements des mêmes jours et modules dans le "
            "taux d'erreur global."
        ),
        "requests": "Requêtes",
        "errors_counted": "Erreurs",
        "run_age": "Depuis le dernier succès",
        "run_late_flag": "⚠️ plus de {limit}",
        "freshness_caption": (
            "Fraîcheur : âge de la donnée la plus récente et du dernier passage réussi du "
            "collecteur ; signalé au-delà de l'intervalle de la source (every) ou de 24 h."
        ),
        "quarantine_title": "Quarantaine à revoir",
        "quarantine_empty": "Aucune ligne en quarantaine.",
        "quarantine_caption": (
            "{n} ligne(s) refusée(s), avec leur fichier, leur ligne, l'étape et la raison."
        ),
        "file": "Fichier",
        "line": "Ligne",
        "reason": "Raison",
        "raw": "Contenu brut",
        "coverage_title": "Couverture de l'annuaire",
        "coverage_caption": (
            "Sur les 30 jours jusqu'au {date} : enregistrements dont l'utilisateur n'est pas dans "
            "l'annuaire."
        ),
        "coverage_empty": "Aucun enregistrement avec un utilisateur sur les 30 derniers jours.",
        "records": "Enregistrements",
        "records_outside": "Hors annuaire",
        "share_outside": "Part hors annuaire",
        "identifiers": "Identifiants",
        "identifiers_outside": "Identifiants hors annuaire",
        "ledger_title": "Fichiers lus",
        "glossary_question": "Que veut dire ce chiffre ?",
        "code": "Code",
        "formula": "Définition",
        "unit": "Unité",
        "direction": "Sens",
        "default_target": "Cible par défaut",
        "configured_target": "Cible configurée",
        "computed": "Calculé",
        "yes": "oui",
        "not_yet": "pas encore",
        "glossary_note": (
            "Les cibles se règlent sous targets: dans hypercare.yaml ; le sens dit si une hausse "
            "est une bonne nouvelle."
        ),
        "unit_users": "personnes",
        "unit_ratio": "taux",
        "unit_days": "jours",
        "unit_ms": "millisecondes",
        "unit_score": "score",
        "unit_count": "nombre",
        "unit_hours": "heures",
        "unit_per_1k": "pour 1 000",
    },
    "en": {
        "waves": "Waves",
        "waves_placeholder": "Choose waves",
        "local_mode": "Local mode",
        "local_mode_help": "no login configured: manager access (everything is visible).",
        "login_needed": "Log in to see the hypercare dashboard.",
        "login": "Log in",
        "logout": "Log out",
        "access_denied": (
            "The address {email} has no role in this dashboard: ask a manager to add it under "
            "roles: in hypercare.yaml."
        ),
        "role_manager": "manager",
        "role_ambassador": "ambassador",
        "role_support": "support lead",
        "page_overview": "Overview",
        "page_trends": "KPI trends",
        "page_support": "Support",
        "page_quality": "Data quality",
        "page_glossary": "Glossary",
        "overview_question": "Are we on track, and where not?",
        "overview_scope": "As of {date} · Teams: {teams} · Waves: {waves}",
        "all_word": "all",
        "fresh_as_of": "Data as of {when}",
        "sources_ok": "{n} source(s) OK",
        "sources_late": "{n} late or failing",
        "sla_breached_count": "{n} past SLA",
        "waves_title": "Waves: may the next one open?",
        "no_waves": "No waves: add a wave column to the roster (source of kind roster).",
        "verdict_GO": "GO",
        "verdict_NO-GO": "NO-GO",
        "verdict_WAIT": "WAIT",
        "too_early": "{kpi} judged from D+{day}",
        "criterion_hidden": "{kpi}: scope hidden (too few people)",
        "criterion_no_data": "{kpi}: no data",
        "no_criteria": "no criteria configured (waves: section)",
        "exit": "Hypercare exit",
        "alerts_firing": "{n} alert(s) firing",
        "alerts_none_firing": "No alert firing ({n} pending).",
        "alerts_never": (
            "No alert evaluated yet: configure the alerts: section and run hypercare alerts."
        ),
        "heatmap_title": "Teams × KPIs",
        "heatmap_caption": (
            "Each cell is coloured against the KPI's target and direction (a low error rate is "
            "good news)."
        ),
        "heatmap_table": "The table and its CSV",
        "status_met": "Target met",
        "status_near": "Near the target",
        "status_missed": "Far from the target",
        "status_none": "No target",
        "other_teams": (
            "{n} other team(s), shown as counts only: {on_target} meet the adoption target."
        ),
        "kpi": "KPI",
        "value": "Value",
        "target_word": "Target",
        "state": "State",
        "funnel_title": "Licensed → activated → active this week",
        "funnel_caption": (
            "On {date}: who holds a seat, who has used the tool at least once since their go-live, "
            "who used it in the last 7 days."
        ),
        "funnel_licensed": "Licensed",
        "funnel_activated": "Activated",
        "funnel_weekly_active": "Active in 7 days",
        "people": "People",
        "stage": "Stage",
        "share_of_licensed": "Share of licensed",
        "scope": "Scope",
        "waves_axis_title": "Waves since their go-live",
        "waves_axis_caption": (
            "Each wave's adoption against the days since its go-live; the '{pilot}' wave (thick "
            "line) is the reference."
        ),
        "days_since_go_live": "Days since go-live",
        "wave": "Wave",
        "lifecycle_title": "Who comes and who goes, per week",
        "lifecycle_caption": (
            "{scope}: new, resurrecting and returning above zero, dormant (active the week before, "
            "not this one) below."
        ),
        "life_new": "New",
        "life_resurrecting": "Resurrecting",
        "life_returning": "Returning",
        "life_dormant": "Dormant",
        "week_of": "Week of",
        "bands_title": "How often",
        "bands_caption": "Licensed people by their active days in 30 days.",
        "band_inactive": "Inactive (0 d)",
        "band_occasional": "Occasional (1–3 d)",
        "band_regular": "Regular (4–11 d)",
        "band_frequent": "Frequent (12 d or more)",
        "band": "Frequency",
        "features_title": "Features × teams",
        "features_caption": "Share of licensed people who used each feature in 30 days.",
        "feature": "Feature",
        "no_features": "No features in the usage data: map the feature column of the usage source.",
        "no_data_scope": "No data for this scope.",
        "trends_question": "How does this KPI move, here, and will it reach its target?",
        "scopes": "Scopes",
        "period": "Period",
        "days_n": "{n} d",
        "computing": "Computing the KPI day by day…",
        "direction_up": "higher is better",
        "direction_down": "lower is better",
        "no_scope_selected": "No scope selected: choose at least one.",
        "no_data_kpi": "No data for this KPI yet: configure and collect the source that feeds it.",
        "forecast": "Forecast",
        "forecast_reached": "target reached around {date}",
        "forecast_column": "Adoption target",
        "forecast_column_help": (
            "When the team reaches the adoption target at this pace (curve fitted over 120 days)."
        ),
        "forecast_team_reached": "✅ reached",
        "forecast_team_on": "around {date}",
        "forecast_team_never": "not at this pace",
        "not_started_title": "Not started yet",
        "not_started_note": (
            "Licensed people, live, with no activity since their go-live. A list of named people "
            "allowed by privacy.individual_views: use it to help them, not to rate them."
        ),
        "not_started_none": "Everyone has started.",
        "ns_name": "Name",
        "ns_person": "Identifier",
        "ns_go_live": "Go-live",
        "ns_days": "Days since go-live",
        "forecast_not_reached": "target not reached at this pace",
        "anomaly": "Anomaly",
        "expected": "Expected",
        "anomalies_found": "{n} anomalous day(s)",
        "anomalies_none": "no anomaly detected",
        "anomalies_unavailable": "anomaly detection unavailable (no metrics.anomalies module)",
        "support_question": "What is burning, and are we keeping our promises?",
        "no_tickets_configure": (
            "No tickets: configure a source of kind tickets in hypercare.yaml (jira-csv, "
            "zendesk-csv, freshdesk-csv…), then run hypercare collect."
        ),
        "no_tickets_collect": (
            "No tickets loaded yet: run hypercare collect to read the source {sources} (kind "
            "tickets)."
        ),
        "no_errors_configure": (
            "No error log: configure a source of kind errors in hypercare.yaml, then run hypercare "
            "collect."
        ),
        "no_errors_collect": (
            "No error log loaded yet: run hypercare collect to read the source {sources} (kind "
            "errors)."
        ),
        "sla_breached": "Past SLA",
        "sla_at_risk": "At risk",
        "sla_on_time": "On time",
        "sla_no_target": "No target",
        "sla_state": "SLA",
        "open_by_priority": "Open tickets by priority",
        "no_open_tickets": "No open ticket.",
        "ticket": "Ticket",
        "subject": "Subject",
        "priority": "Priority",
        "hours_left": "Hours left",
        "age_h": "Age (h)",
        "module": "Module",
        "created": "Created",
        "source": "Source",
        "tickets": "Tickets",
        "response_times": "Response and resolution times",
        "response_times_caption": (
            "Medians per week of creation over {weeks} weeks; targets dashed (targets: "
            "first_response_p50_h, resolution_p50_h)."
        ),
        "hours": "Hours",
        "error_spikes": "Error spikes per module",
        "error_spikes_caption": (
            "Entries at level ERROR or above per day over {days} days; {n} spike(s) marked in red."
        ),
        "errors_per_day": "Errors per day",
        "no_errors_window": "No errors in the last {days} days.",
        "quality_question": "Can we trust these numbers?",
        "no_sources": (
            "No source configured: add sources to hypercare.yaml, then run hypercare collect."
        ),
        "never_collected": "Nothing collected yet: run hypercare collect.",
        "state_ok": "OK",
        "state_late": "Late",
        "state_error": "Failing",
        "state_never": "Never read",
        "sources_title": "Sources",
        "kind": "Kind",
        "last_read": "Last read",
        "newest_day": "Newest record",
        "age_days": "Behind (d)",
        "rows_read": "Rows read",
        "accepted": "Accepted",
        "duplicates": "Duplicates",
        "quarantined": "Quarantined",
        "last_error": "Last error",
        "last_success": "Last success",
        "module_error_rates": "Error rate per module (monitoring)",
        "module_error_rates_caption": (
            "Requests and errors counted by monitoring or an aggregated export over {days} days "
            "(error_counts); they replace the events of the same days and modules in the overall "
            "error rate."
        ),
        "requests": "Requests",
        "errors_counted": "Errors",
        "run_age": "Since last success",
        "run_late_flag": "⚠️ over {limit}",
        "freshness_caption": (
            "Freshness: age of the newest record and of the collector's last successful run; "
            "flagged past the source's interval (every) or 24 h."
        ),
        "quarantine_title": "Quarantine to review",
        "quarantine_empty": "No row in quarantine.",
        "quarantine_caption": "{n} refused row(s), with their file, line, stage and reason.",
        "file": "File",
        "line": "Line",
        "reason": "Reason",
        "raw": "Raw content",
        "coverage_title": "Roster coverage",
        "coverage_caption": (
            "Over the 30 days up to {date}: records whose user is not in the roster."
        ),
        "coverage_empty": "No record with a user in the last 30 days.",
        "records": "Records",
        "records_outside": "Not in roster",
        "share_outside": "Share not in roster",
        "identifiers": "Identifiers",
        "identifiers_outside": "Identifiers not in roster",
        "ledger_title": "Files read",
        "glossary_question": "What does this number mean?",
        "code": "Code",
        "formula": "Definition",
        "unit": "Unit",
        "direction": "Direction",
        "default_target": "Default target",
        "configured_target": "Configured target",
        "computed": "Computed",
        "yes": "yes",
        "not_yet": "not yet",
        "glossary_note": (
            "Targets are set under targets: in hypercare.yaml; the direction says whether a rise "
            "is good news."
        ),
        "unit_users": "people",
        "unit_ratio": "rate",
        "unit_days": "days",
        "unit_ms": "milliseconds",
        "unit_score": "score",
        "unit_count": "count",
        "unit_hours": "hours",
        "unit_per_1k": "per 1,000",
    },
}

# The Retours / Feedback page (dashboard/views/feedback.py).
FEEDBACK: dict[str, dict[str, str]] = {
    "fr": {
        "page_feedback": "Retours",
        "feedback_question": "Que faut-il corriger en premier ?",
        "fb_empty": "Aucun retour pour l'instant : collectez des commentaires d'enquête, des "
        "tickets ou des comptes rendus de réunion.",
        "fb_urgent_title": "Urgent (bloquants)",
        "fb_urgent_none": "Aucun retour bloquant.",
        "fb_reach": "{people} personnes · {teams} équipes",
        "fb_ranked_title": "Retours priorisés",
        "fb_ranked_caption": "Classés par file (urgent, backlog, clos), puis par score "
        "({scoring}). Modifiez statut, effort, responsable ou note, puis enregistrez.",
        "fb_other_teams": "{n} retours d'autres équipes sur ces sujets (textes non affichés).",
        "fb_save": "Enregistrer les modifications",
        "fb_saved": "{n} modification(s) enregistrée(s).",
        "fb_regroup_title": "Corriger les thèmes",
        "fb_regroup_help": (
            "Les thèmes sont trouvés automatiquement ; fusionnez ceux qui parlent de la même "
            "chose, séparez un retour mal classé. Vos corrections sont gardées aux prochains "
            "calculs, et chaque personne n'est comptée qu'une fois dans un thème."
        ),
        "fb_n_items": "{n} retour(s)",
        "fb_merge_pick": "Thèmes à fusionner (le premier garde les autres)",
        "fb_merge": "Fusionner",
        "fb_merged": "{n} thèmes fusionnés dans « {into} ».",
        "fb_split_theme": "Thème dont séparer des retours",
        "fb_split_items": "Retours",
        "fb_split": "Séparer dans un nouveau thème",
        "fb_split_done": "{n} retour(s) séparé(s) dans un nouveau thème.",
        "fb_release": "Rendre au classement automatique",
        "fb_release_help": "Le prochain calcul des thèmes pourra de nouveau les déplacer.",
        "fb_released": "{n} retour(s) rendu(s) au classement automatique.",
        "fb_nothing": "Aucune modification à enregistrer.",
        "fb_refused": "Modification refusée, rien n'a été enregistré : {reason}",
        "fb_read_only": "Lecture seule : les responsables support ne modifient pas le backlog.",
        "fb_chart_title": "Impact / effort",
        "fb_chart_caption": "Zone ombrée : gains rapides (valeur au-dessus de la médiane, effort "
        "au plus {max_effort}).",
        "fb_col_rank": "Rang",
        "fb_col_lane": "File",
        "fb_col_title": "Sujet",
        "fb_col_score": "Score",
        "fb_col_people": "Personnes",
        "fb_col_teams": "Équipes",
        "fb_col_items": "Retours",
        "fb_col_other": "Autres équipes",
        "fb_col_status": "Statut",
        "fb_col_effort": "Effort",
        "fb_col_owner": "Responsable",
        "fb_col_note": "Note",
        "fb_col_quick_win": "Gain rapide",
        "fb_col_value": "Valeur",
        "fb_col_key": "Réf.",
        "fb_lane_urgent": "urgent",
        "fb_lane_backlog": "backlog",
        "fb_lane_closed": "clos",
        "fb_download": "Télécharger le backlog (CSV)",
    },
    "en": {
        "page_feedback": "Feedback",
        "feedback_question": "What should we fix first?",
        "fb_empty": "No feedback yet: collect survey comments, tickets or meeting notes.",
        "fb_urgent_title": "Urgent (blockers)",
        "fb_urgent_none": "No blocking feedback.",
        "fb_reach": "{people} people · {teams} teams",
        "fb_ranked_title": "Prioritized feedback",
        "fb_ranked_caption": "Ranked by lane (urgent, backlog, closed), then by score "
        "({scoring}). Edit status, effort, owner or note, then save.",
        "fb_other_teams": "{n} items from other teams on these topics (texts not shown).",
        "fb_save": "Save changes",
        "fb_saved": "{n} change(s) saved.",
        "fb_regroup_title": "Correct the themes",
        "fb_regroup_help": (
            "Themes are found automatically; merge those about the same thing, split out an item "
            "filed in the wrong one. Your corrections are kept by the next runs, and each person "
            "counts once in a theme."
        ),
        "fb_n_items": "{n} item(s)",
        "fb_merge_pick": "Themes to merge (the first one takes in the others)",
        "fb_merge": "Merge",
        "fb_merged": "{n} themes merged into “{into}”.",
        "fb_split_theme": "Theme to split items out of",
        "fb_split_items": "Items",
        "fb_split": "Split into a new theme",
        "fb_split_done": "{n} item(s) split into a new theme.",
        "fb_release": "Give back to the automatic themes",
        "fb_release_help": "The next run of the themes may move them again.",
        "fb_released": "{n} item(s) given back to the automatic themes.",
        "fb_nothing": "No change to save.",
        "fb_refused": "Change refused, nothing was saved: {reason}",
        "fb_read_only": "Read only: support leads do not edit the backlog.",
        "fb_chart_title": "Impact / effort",
        "fb_chart_caption": "Shaded area: quick wins (value above the median, effort at most "
        "{max_effort}).",
        "fb_col_rank": "Rank",
        "fb_col_lane": "Lane",
        "fb_col_title": "Topic",
        "fb_col_score": "Score",
        "fb_col_people": "People",
        "fb_col_teams": "Teams",
        "fb_col_items": "Items",
        "fb_col_other": "Other teams",
        "fb_col_status": "Status",
        "fb_col_effort": "Effort",
        "fb_col_owner": "Owner",
        "fb_col_note": "Note",
        "fb_col_quick_win": "Quick win",
        "fb_col_value": "Value",
        "fb_col_key": "Ref.",
        "fb_lane_urgent": "urgent",
        "fb_lane_backlog": "backlog",
        "fb_lane_closed": "closed",
        "fb_download": "Download the backlog (CSV)",
    },
}

ALERTS: dict[str, dict[str, str]] = {
    "fr": {
        "page_alerts": "Alertes",
        "al_question": "Qu'est-ce qui franchit une limite en ce moment, et qui s'en occupe ?",
        "al_scope_all": "toute l'entreprise",
        "al_firing": "En cours ({n})",
        "al_pending": "En attente ({n})",
        "al_none_firing": "Aucune alerte en cours.",
        "al_none_pending": "Aucune alerte en attente.",
        "al_col_severity": "Gravité",
        "al_col_rule": "Règle",
        "al_col_scope": "Périmètre",
        "al_col_kpi": "Indicateur",
        "al_col_value": "Valeur",
        "al_col_condition": "Condition",
        "al_col_since": "Depuis",
        "al_col_state": "État",
        "al_col_ack": "Prise en compte",
        "al_col_silenced": "Silence jusqu'au",
        "al_sev_critical": "critique",
        "al_sev_warning": "avertissement",
        "al_sev_info": "info",
        "al_state_firing": "en cours",
        "al_state_pending": "en attente",
        "al_state_normal": "normal",
        "al_state_resolved": "résolue",
        "al_cond_change": "variation {sign} {value} sur {days} j",
        "al_cond_forecast": "cible {target} atteinte avant le {date}",
        "al_cond_anomaly": "valeur inhabituelle",
        "al_cond_reconcile": "écarts légacy / nouveau (audit initial : {initial})",
        "page_reconcile": "Cohérence",
        "rc_question": "Le nouveau système contient-il ce que contenait l'ancien ?",
        "rc_not_configured": (
            "Aucun audit de cohérence configuré : ajoutez une section reconciliation: au fichier "
            "de configuration (docs/reconciliation.md), puis lancez hypercare reconcile."
        ),
        "rc_never": "L'audit de cohérence n'a pas encore tourné : lancez hypercare reconcile.",
        "rc_status_pass": "cohérent",
        "rc_status_fail": "écarts",
        "rc_status_error": "n'a pas pu s'exécuter",
        "rc_drift": "nouvel écart",
        "rc_drift_help": (
            "Échoue maintenant alors que l'audit initial passait, ou compte plus d'écarts "
            "qu'à l'audit initial."
        ),
        "rc_entity": "Entité",
        "rc_previous": "Audit précédent",
        "rc_checked": "Vérifié le",
        "rc_rows_legacy": "Lignes (ancien)",
        "rc_rows_new": "Lignes (nouveau)",
        "rc_missing": "Manquants dans le nouveau",
        "rc_extra": "En trop dans le nouveau",
        "rc_changed": "Valeurs modifiées",
        "rc_duplicates": "Clés en double",
        "rc_initial": "Écarts à l'audit initial",
        "rc_message": "Message",
        "rc_entity_title": "Historique et exemples d'écarts",
        "rc_differences": "Écarts",
        "rc_one_run": "Un seul audit pour l'instant : l'historique apparaîtra au suivant.",
        "rc_no_samples": "Aucun écart au dernier audit.",
        "rc_key": "Clé",
        "rc_columns": "Colonnes",
        "rc_legacy_value": "Ancien système",
        "rc_new_value": "Nouveau système",
        "rc_side_legacy": "ancien système",
        "rc_side_new": "nouveau système",
        "rc_samples_note": (
            "Exemples du dernier audit (reconciliation.samples par classe) ; "
            "hypercare reconcile --format json donne le détail complet."
        ),
        "al_scope_entity": "entité · {name}",
        "kpi_reconcile": "Audit de cohérence (écarts)",
        "al_acked": "{by}, le {date}",
        "al_history": "Historique",
        "al_history_caption": (
            "Une ligne par règle et périmètre, colorée selon l'état jour après jour."
        ),
        "al_no_history": "Aucune transition enregistrée.",
        "al_day": "Jour",
        "al_from": "Du",
        "al_to": "Au",
        "al_act": "Prendre en charge",
        "al_pick": "Alerte",
        "al_comment": "Commentaire",
        "al_ack_button": "Prendre en compte",
        "al_ack_done": "Alerte prise en compte par {by}.",
        "al_silence_until": "Aucune notification jusqu'au (inclus)",
        "al_silence_button": "Mettre en silence",
        "al_silence_done": "Aucune notification jusqu'au {date} inclus.",
        "al_failed": "Action impossible : {error}",
        "al_readonly": "Lecture seule : la prise en charge revient aux managers et au support.",
    },
    "en": {
        "page_alerts": "Alerts",
        "al_question": "What is crossing a line right now, and who is on it?",
        "al_scope_all": "whole company",
        "al_firing": "Firing ({n})",
        "al_pending": "Pending ({n})",
        "al_none_firing": "No alert firing.",
        "al_none_pending": "No alert pending.",
        "al_col_severity": "Severity",
        "al_col_rule": "Rule",
        "al_col_scope": "Scope",
        "al_col_kpi": "KPI",
        "al_col_value": "Value",
        "al_col_condition": "Condition",
        "al_col_since": "Since",
        "al_col_state": "State",
        "al_col_ack": "Acknowledged",
        "al_col_silenced": "Silenced until",
        "al_sev_critical": "critical",
        "al_sev_warning": "warning",
        "al_sev_info": "info",
        "al_state_firing": "firing",
        "al_state_pending": "pending",
        "al_state_normal": "normal",
        "al_state_resolved": "resolved",
        "al_cond_change": "change {sign} {value} over {days} d",
        "al_cond_forecast": "target {target} reached by {date}",
        "al_cond_anomaly": "unusual value",
        "al_cond_reconcile": "legacy / new differences (initial audit: {initial})",
        "page_reconcile": "Consistency",
        "rc_question": "Does the new system hold what the old one did?",
        "rc_not_configured": (
            "No consistency audit configured: add a reconciliation: section to the config file "
            "(docs/reconciliation.md), then run hypercare reconcile."
        ),
        "rc_never": "The consistency audit has not run yet: run hypercare reconcile.",
        "rc_status_pass": "consistent",
        "rc_status_fail": "differences",
        "rc_status_error": "could not run",
        "rc_drift": "new drift",
        "rc_drift_help": (
            "Fails now although the initial audit passed, or has more differences than at the "
            "initial audit."
        ),
        "rc_entity": "Entity",
        "rc_previous": "Previous audit",
        "rc_checked": "Checked at",
        "rc_rows_legacy": "Rows (legacy)",
        "rc_rows_new": "Rows (new)",
        "rc_missing": "Missing in new",
        "rc_extra": "Extra in new",
        "rc_changed": "Changed values",
        "rc_duplicates": "Duplicated keys",
        "rc_initial": "Differences at the initial audit",
        "rc_message": "Message",
        "rc_entity_title": "History and sample differences",
        "rc_differences": "Differences",
        "rc_one_run": "One audit so far: the history shows from the next one.",
        "rc_no_samples": "No differences at the latest audit.",
        "rc_key": "Key",
        "rc_columns": "Columns",
        "rc_legacy_value": "Legacy system",
        "rc_new_value": "New system",
        "rc_side_legacy": "legacy system",
        "rc_side_new": "new system",
        "rc_samples_note": (
            "Samples of the latest audit (reconciliation.samples per class); "
            "hypercare reconcile --format json gives the full detail."
        ),
        "al_scope_entity": "entity · {name}",
        "kpi_reconcile": "Consistency audit (differences)",
        "al_acked": "{by}, {date}",
        "al_history": "History",
        "al_history_caption": "One row per rule and scope, coloured by its state day by day.",
        "al_no_history": "No transition recorded.",
        "al_day": "Day",
        "al_from": "From",
        "al_to": "To",
        "al_act": "Take care of an alert",
        "al_pick": "Alert",
        "al_comment": "Comment",
        "al_ack_button": "Acknowledge",
        "al_ack_done": "Alert acknowledged by {by}.",
        "al_silence_until": "No notification through (inclusive)",
        "al_silence_button": "Silence",
        "al_silence_done": "No notification through {date}.",
        "al_failed": "Could not do it: {error}",
        "al_readonly": "Read only: managers and support leads take care of alerts.",
    },
}

from dashboard.strings_pulse import PULSE  # noqa: E402 (the pulse-survey pages)

STRINGS: dict[str, dict[str, str]] = {
    locale: BASE[locale] | PAGES[locale] | FEEDBACK[locale] | ALERTS[locale] | PULSE[locale]
    for locale in ("fr", "en")
}
