"""Strings of the pulse-survey pages (the respondent's form and the managers' follow-up), in
French and English; merged into ``dashboard.strings.STRINGS``."""

from __future__ import annotations

PULSE: dict[str, dict[str, str]] = {
    "fr": {
        # respondent's form
        "pl_language": "Langue · Language",
        "pl_anonymous_note": "Vos réponses sont anonymes : elles sont enregistrées sans votre "
        "nom ni votre identifiant, et votre équipe n'apparaît que si elle compte au moins {n} "
        "personnes.",
        "pl_identified_note": "Vos réponses sont nominatives : l'équipe projet peut vous "
        "recontacter pour en parler.",
        "pl_duration": "Moins de deux minutes · une seule réponse par personne.",
        "pl_round": "Session « {round} », ouverte jusqu'au {date}.",
        "pl_submit": "Envoyer mes réponses",
        "pl_required": "obligatoire",
        "pl_optional": "facultatif",
        "pl_missing": "Il manque une réponse aux questions {numbers}.",
        "pl_thanks_title": "Merci !",
        "pl_thanks": "Vos réponses sont enregistrées. Elles aident l'équipe projet à améliorer "
        "l'outil.",
        "pl_used": "Vous avez déjà répondu à cette session : une seule réponse par personne. "
        "Merci de votre participation !",
        "pl_invalid": "Ce lien n'est pas valide : il a été modifié ou coupé. Ouvrez le lien "
        "de votre invitation tel quel.",
        "pl_closed": "Cette session est close depuis le {date}. Merci de votre intérêt !",
        "pl_not_open": "Cette session ouvre le {date}. Revenez à partir de ce jour-là.",
        "pl_unknown": "Cette enquête n'est plus proposée.",
        "pl_audience": "Cette session ne vous concerne pas.",
        "pl_unavailable": "L'enquête n'est pas disponible pour le moment. Réessayez plus tard.",
        "pl_nps_low": "0 = pas du tout probable",
        "pl_nps_high": "10 = tout à fait probable",
        "pl_ces_low": "1 = très peu d'effort",
        "pl_ces_high": "{n} = énormément d'effort",
        "pl_umux_low": "1 = pas du tout d'accord",
        "pl_umux_high": "7 = tout à fait d'accord",
        "pl_scale_csat": "Très insatisfait(e)|Insatisfait(e)|Neutre|Satisfait(e)|Très satisfait(e)",
        "pl_scale_sus": "Pas du tout d'accord|Pas d'accord|Neutre|D'accord|Tout à fait d'accord",
        # managers' follow-up
        "page_pulse": "Enquêtes",
        "pl_question": "Qui a répondu aux enquêtes flash, qui relancer ?",
        "pl_none": "Aucune enquête flash n'est configurée : ajoutez-en sous surveys.pulse "
        "(voir docs/surveys.md).",
        "pl_pick_round": "Session",
        "pl_open": "ouverte",
        "pl_closed_short": "close",
        "pl_upcoming": "à venir",
        "pl_round_option": "{survey} · {round} ({opens} → {closes}, {state})",
        "pl_kind_anonymous": "anonyme",
        "pl_kind_identified": "nominative",
        "pl_asked": "Interrogés",
        "pl_answered": "Réponses",
        "pl_rate": "Taux de réponse",
        "pl_team": "Équipe",
        "pl_rates": "Taux de réponse par équipe",
        "pl_suppressed": "Équipes masquées (moins de {n} personnes) : {count}.",
        "pl_reminders": "À relancer ({count})",
        "pl_reminders_title": "À relancer",
        "pl_reminders_anonymous": "Session anonyme : personne ne peut savoir qui n'a pas "
        "répondu, il n'y a pas de liste de relance.",
        "pl_reminders_none": "Tout le monde a répondu.",
        "pl_person": "Personne",
        "pl_wave": "Vague",
        "pl_export": "Réponses de l'enquête (CSV)",
        "pl_links_hint": "Les liens à envoyer : hypercare surveys links --round {round}",
    },
    "en": {
        "pl_language": "Langue · Language",
        "pl_anonymous_note": "Your answers are anonymous: they are stored without your name or "
        "identifier, and your team shows only when it has at least {n} people.",
        "pl_identified_note": "Your answers are identified: the project team may get back to "
        "you about them.",
        "pl_duration": "Under two minutes · one answer per person.",
        "pl_round": "Round “{round}”, open until {date}.",
        "pl_submit": "Send my answers",
        "pl_required": "required",
        "pl_optional": "optional",
        "pl_missing": "Questions {numbers} still need an answer.",
        "pl_thanks_title": "Thank you!",
        "pl_thanks": "Your answers are saved. They help the project team improve the tool.",
        "pl_used": "You have already answered this round: one answer per person. Thank you "
        "for taking part!",
        "pl_invalid": "This link is not valid: it was changed or cut. Open the link from your "
        "invitation as it is.",
        "pl_closed": "This round closed on {date}. Thank you for your interest!",
        "pl_not_open": "This round opens on {date}. Please come back from that day.",
        "pl_unknown": "This survey is no longer offered.",
        "pl_audience": "This round is not meant for you.",
        "pl_unavailable": "The survey is not available right now. Please try again later.",
        "pl_nps_low": "0 = not at all likely",
        "pl_nps_high": "10 = extremely likely",
        "pl_ces_low": "1 = very little effort",
        "pl_ces_high": "{n} = a great deal of effort",
        "pl_umux_low": "1 = strongly disagree",
        "pl_umux_high": "7 = strongly agree",
        "pl_scale_csat": "Very dissatisfied|Dissatisfied|Neutral|Satisfied|Very satisfied",
        "pl_scale_sus": "Strongly disagree|Disagree|Neutral|Agree|Strongly agree",
        "page_pulse": "Surveys",
        "pl_question": "Who answered the pulse surveys, whom to remind?",
        "pl_none": "No pulse survey is configured: add one under surveys.pulse "
        "(see docs/surveys.md).",
        "pl_pick_round": "Round",
        "pl_open": "open",
        "pl_closed_short": "closed",
        "pl_upcoming": "upcoming",
        "pl_round_option": "{survey} · {round} ({opens} → {closes}, {state})",
        "pl_kind_anonymous": "anonymous",
        "pl_kind_identified": "identified",
        "pl_asked": "Asked",
        "pl_answered": "Answers",
        "pl_rate": "Response rate",
        "pl_team": "Team",
        "pl_rates": "Response rate per team",
        "pl_suppressed": "Teams hidden (fewer than {n} people): {count}.",
        "pl_reminders": "To remind ({count})",
        "pl_reminders_title": "To remind",
        "pl_reminders_anonymous": "Anonymous round: nobody can tell who has not answered, so "
        "there is no reminder list.",
        "pl_reminders_none": "Everybody has answered.",
        "pl_person": "Person",
        "pl_wave": "Wave",
        "pl_export": "Answers of the survey (CSV)",
        "pl_links_hint": "The links to send: hypercare surveys links --round {round}",
    },
}
