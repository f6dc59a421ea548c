"""The links of a pulse-survey round for ``hypercare surveys links`` (docs/cli.md).

The store holds people by pseudonym only, so the addresses to write to come from the roster
files themselves: each configured roster source is read again (same reader, same column
mapping) and its ``email`` and ``name`` columns are matched to the pseudonyms. Nothing of this
is stored; a person whose roster row cannot be read is listed by pseudonym.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from collectors.base import CollectContext, RowConverter, RowError
from collectors.kinds import KINDS
from collectors.privacy import Pseudonymizer
from collectors.readers import READERS, FileError
from hypercare.formatting import format_long_date
from surveys import pulse

if TYPE_CHECKING:
    from hypercare.config import Config
    from metrics.store import Store


@dataclass(frozen=True)
class Contact:
    email: str | None
    name: str | None


@dataclass(frozen=True)
class Invitation:
    invitee: pulse.Invitee
    contact: Contact
    link: str
    answered: bool


def roster_contacts(config: Config) -> dict[str, Contact]:
    """Person key → e-mail and name, read from the roster files (unreadable files skipped)."""
    from collectors.run import source_files

    contacts: dict[str, Contact] = {}
    pseudonymize = Pseudonymizer(config.secret_key())
    for source in config.sources:
        if source.kind != "roster" or source.format == "sql":
            continue
        fmt = READERS[source.format]
        if fmt.pull is not None:
            continue
        ctx = CollectContext(
            config=config, source=source, pseudonymize=pseudonymize, company_tz=config.tz
        )
        for path in source_files(config, source):
            try:
                reading = fmt.read(path, source, None)
                if not reading.header:
                    continue
                converter = RowConverter(KINDS["roster"], ctx, reading.header, str(path), fmt)
                for row in reading.rows:
                    try:
                        record = converter.convert(row)
                    except RowError:
                        continue
                    values = row.values or {}
                    email = values.get(converter.columns.get("email", ""), "").strip()
                    name = values.get(converter.columns.get("name", ""), "").strip()
                    contacts[record["user"]] = Contact(email or None, name or None)
            except (FileError, OSError):
                continue
    return contacts


def invitations(
    store: Store, config: Config, round_key: str, lang: str | None = None
) -> tuple[pulse.Round, list[Invitation]]:
    """Every person a round asks, with their contact, link and whether they answered.

    Raises PulseError ``unknown`` (listing the rounds) when no round has that key.
    """
    with store.session() as session:
        every = pulse.rounds(session, config)
        round_ = next((r for r in every if r.key == round_key), None)
        if round_ is None:
            known = ", ".join(repr(r.key) for r in every) or "none (add surveys.pulse)"
            raise pulse.PulseError(
                "unknown", f"--round: no round {round_key!r}; the rounds are: {known}"
            )
        people = pulse.audience(session, round_)
        done = set() if round_.survey.anonymous else pulse.answered_people(session, round_)
    contacts = roster_contacts(config)
    out = []
    for person in people:
        token = pulse.issue_token(config, pulse.claim_for(config, round_, person, lang))
        out.append(
            Invitation(
                person,
                contacts.get(person.person, Contact(None, person.name)),
                pulse.link(config, token),
                person.person in done,
            )
        )
    return round_, out


def email_text(round_: pulse.Round, lang: str, min_group_size: int) -> str:
    """The invitation to paste into an e-mail, ``{link}`` standing for each person's link."""
    survey = round_.survey
    closes = round_.closes
    if lang == "en":
        privacy = (
            "Your answers are anonymous: no name is stored, and your team shows only when it "
            f"has at least {min_group_size} people."
            if survey.anonymous
            else "Your answers are identified, so that the project team can get back to you."
        )
        return (
            f"Subject: {survey.title.en} — two minutes of your time\n\n"
            "Hello,\n\n"
            f"How is the new tool working for you? This short survey ({len(survey.questions)} "
            f"questions, under two minutes) is open until {format_long_date(closes, 'en')}.\n"
            f"{privacy}\n\n"
            "Your personal link (one answer per person; please do not forward it):\n{link}\n\n"
            "Thank you!\n"
        )
    privacy = (
        "Vos réponses sont anonymes : aucun nom n'est enregistré, et votre équipe n'apparaît "
        f"que si elle compte au moins {min_group_size} personnes."
        if survey.anonymous
        else "Vos réponses sont nominatives, pour que l'équipe projet puisse revenir vers vous."
    )
    return (
        f"Objet : {survey.title.fr} — deux minutes de votre temps\n\n"
        "Bonjour,\n\n"
        f"Comment se passe le nouvel outil pour vous ? Ce court questionnaire "
        f"({len(survey.questions)} questions, moins de deux minutes) est ouvert jusqu'au "
        f"{format_long_date(closes, 'fr')}.\n"
        f"{privacy}\n\n"
        "Votre lien personnel (une réponse par personne ; merci de ne pas le transférer) :\n"
        "{link}\n\n"
        "Merci !\n"
    )
