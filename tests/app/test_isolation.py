"""Role isolation through every page and every download (AppTest on the sentinel company).

For every reader of the ``roles:`` section (the manager, the support lead, one ambassador per
team and one of two teams) and every page of ``dashboard/app.py``'s ``PAGES``: a page the role
may not open is not routed at all; a page it may open renders without error, and neither its
text (markdown, metrics, widget options, table cells, chart data) nor the real payload of any of
its download buttons holds a sentinel of a team the reader may not read, nor (for an ambassador)
another team's name. What each page must show its reader is in ``SHOWS``: a page added to
``PAGES`` without a line there fails ``test_every_page_says_what_it_shows``.
"""

from __future__ import annotations

import pytest
from rendered import rendered_text
from sentinel_company import (
    MANAGER_EMAIL,
    SHOWN_TEAMS,
    SLUGS,
    SMALL_TEAM,
    SUPPORT_EMAIL,
    TEAMS,
    TWO_TEAMS,
    TWO_TEAMS_EMAIL,
    ambassador_email,
    sentinel,
)
from streamlit.testing.v1.element_tree import TESTING_KEY
from sweep import declared_pages, payloads, world  # noqa: F401 - fixtures

PAGES = declared_pages()

# reader id → (e-mail, role, own teams)
READERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "manager": (MANAGER_EMAIL, "manager", ()),
    "support": (SUPPORT_EMAIL, "support", ()),
    **{f"ambassador-{SLUGS[t]}": (ambassador_email(t), "ambassador", (t,)) for t in TEAMS},
    "ambassador-two-teams": (TWO_TEAMS_EMAIL, "ambassador", TWO_TEAMS),
}

# What a page must show a reader who may open it (so that the sweep can fail): "team" the
# ambassador's own team name, "sentinels" the sentinel of every team whose rows the reader reads.
SHOWS: dict[str, dict[str, set[str]]] = {
    "overview": {"ambassador": {"team"}},
    "adoption": {"ambassador": {"team"}},
    "trends": {"ambassador": {"team"}},
    "support": {"manager": {"sentinels"}, "support": {"sentinels"}},
    "feedback": {
        "manager": {"sentinels"},
        "support": {"sentinels"},
        "ambassador": {"sentinels", "team"},
    },
    "alerts": {},
    "reconcile": {},  # legacy against new: no team rows
    "pulse": {},  # rounds of pulse surveys (the sentinel company configures none)
    "quality": {},
    "glossary": {},
}


def readable_teams(role: str, teams: tuple[str, ...]) -> set[str]:
    """The teams whose rows (and sentinels) the reader may receive."""
    if role == "ambassador":
        return set(teams) - {SMALL_TEAM}
    return set(SHOWN_TEAMS)


def signed_in(email: str) -> dict[str, object]:
    return {"is_logged_in": True, "email": email}


def received(app, payloads) -> dict[str, str]:  # noqa: F811 - the fixture
    """The page's rendered text and each download's payload, as text."""
    out = {"page": rendered_text(app)}
    for name, data in payloads.of(app).items():
        out[f"download {name}"] = data.decode("utf-8-sig", errors="replace")
    return out


def test_every_page_says_what_it_shows():
    assert set(SHOWS) == set(PAGES), "add the new page to SHOWS (what it must show each role)"


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("reader", list(READERS))
def test_a_reader_receives_only_the_rows_of_their_role(world, run_app, payloads, reader, page):  # noqa: F811
    email, role, teams = READERS[reader]
    roles = PAGES[page][2]
    home = next(name for name, spec in PAGES.items() if role in spec[2])
    app = run_app(world.config_path, user=signed_in(email))
    assert not app.exception, app.exception
    if role not in roles:
        with pytest.raises(ValueError):  # not routed: no URL of it exists for this reader
            app.switch_page(PAGES[page][0])
        return
    if page != home:
        payloads.clear()
        app = run_app(world.config_path, page=page, user=signed_in(email))
        assert not app.exception, app.exception
    texts = received(app, payloads)
    assert_only_readable(reader, page, texts)
    readable = readable_teams(role, teams)
    everything = "\n".join(texts.values())
    wanted = SHOWS[page].get(role, set())
    if "team" in wanted:
        for team in readable:
            assert team in texts["page"], (reader, page, team)
    if "sentinels" in wanted:
        for own in readable:
            assert sentinel(own) in everything, (reader, page, own)


def assert_only_readable(reader: str, page: str, texts: dict[str, str]) -> None:
    """No sentinel of a team the reader may not read; for an ambassador, no other team's name;
    the small team named for nobody but its own ambassador."""
    _, role, teams = READERS[reader]
    readable = readable_teams(role, teams)
    for where, text in texts.items():
        for other in TEAMS:
            if other not in readable and other != SMALL_TEAM:
                assert sentinel(other) not in text, (reader, page, where, other)
            if role == "ambassador" and other not in teams:
                assert other not in text, (reader, page, where, other)
        assert SMALL_TEAM not in text or SMALL_TEAM in teams, (reader, page, where)
        if role == "ambassador":
            # the small team's feedback reaches the backlog without its team: nobody's row
            assert sentinel(SMALL_TEAM) not in text, (reader, page, where)


@pytest.mark.parametrize(
    ("reader", "page"),
    [
        (reader, page)
        for reader in ("manager", "ambassador-adv")
        for page, spec in PAGES.items()
        if READERS[reader][1] in spec[2]
    ],
)
def test_every_choice_on_a_page_keeps_to_the_readers_rows(world, run_app, payloads, reader, page):  # noqa: F811
    """Each option of each select box of the page (a round, a KPI, a scope…), one at a time."""
    email, _, _ = READERS[reader]
    app = run_app(world.config_path, page=page, user=signed_in(email))
    boxes = [(box.key, len(box.options)) for box in app.selectbox if box.key]
    for key, count in boxes:
        for index in range(count):
            box = app.selectbox(key=key)
            # Choose by the label shown, as a browser does (AppTest would format it again).
            box.root.session_state[TESTING_KEY][box.id] = str
            box.select_index(index).run()
            assert not app.exception, (page, key, index, app.exception)
            assert_only_readable(reader, page, received(app, payloads))
