"""The minimum group size on every page and download, in both languages (AppTest on the sentinel
company, whose team ``Juridique`` has 4 licensed people for a group size of 5).

Every page of ``dashboard/app.py``'s ``PAGES``, opened by the widest role that may open it, in
English on the company's day and two months before, and in French through a shared link that
asks for the small team and its wave by name (French on the day, for every reader, is
``test_isolation.py``'s): neither the page's text (markdown, metrics,
widget options, table cells, chart data) nor the payload of any download names the small team.
The overview says that one team is hidden — as a count.
"""

from __future__ import annotations

import datetime as dt

import pytest
from rendered import rendered_text
from sentinel_company import DAY, MANAGER_EMAIL, SMALL_TEAM, SUPPORT_EMAIL
from sweep import declared_pages, payloads, world  # noqa: F401 - fixtures

PAGES = declared_pages()
EMAILS = {"manager": MANAGER_EMAIL, "support": SUPPORT_EMAIL}
HIDDEN = {"FR": "1 équipe masquée", "EN": "1 team hidden"}


def widest_role(page: str) -> str:
    roles = PAGES[page][2]
    return "manager" if "manager" in roles else "support" if "support" in roles else roles[0]


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize(
    ("lang", "as_of", "link"),
    [  # French on the day: test_isolation.py, for every reader
        ("EN", DAY, {}),
        ("EN", DAY - dt.timedelta(days=60), {}),
        ("FR", DAY, {"teams": SMALL_TEAM, "waves": "vague 1"}),
    ],
    ids=["en", "en-60d", "fr-link"],
)
def test_no_page_nor_download_names_the_small_team(
    world,  # noqa: F811
    run_app,
    payloads,  # noqa: F811
    page,
    lang,
    as_of,
    link,
):
    role = widest_role(page)
    if role not in EMAILS:
        pytest.fail(f"{page}: no manager nor support lead may open it; add its reader here")
    user = {"is_logged_in": True, "email": EMAILS[role]}
    payloads.clear()
    app = run_app(
        world.config_path, page=page, user=user, lang=lang, as_of=as_of.isoformat(), **link
    )
    assert not app.exception, app.exception
    texts = {"page": rendered_text(app)}
    for name, data in payloads.of(app).items():
        texts[f"download {name}"] = data.decode("utf-8-sig", errors="replace")
    for where, text in texts.items():
        assert SMALL_TEAM not in text, (page, lang, where)
    if page == "overview":
        assert HIDDEN[lang] in texts["page"]
