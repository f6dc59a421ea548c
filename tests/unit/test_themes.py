"""Themes on a generated corpus with planted themes in French and English.

The clustering must recover the planted themes: adjusted Rand index ≥ 0.9 on each of five
generated corpora and ≥ 0.95 on average (measured at the default distance 0.82: 1.0, 1.0, 1.0,
1.0 and 0.945). Through the store, the backlog must put the planted blocker first, and people's
merges and unmerges must survive new runs.
"""

import random

import pytest
from sklearn.metrics import adjusted_rand_score
from sqlalchemy import select

from collectors.run import collect
from hypercare.config import load_config
from metrics.store import open_store
from metrics.store.models import FeedbackItem, FeedbackTheme
from metrics.viewer import MANAGER
from surveys.backlog import build_backlog, refresh_backlog
from surveys.settings import BacklogSettings, backlog_settings
from surveys.text import analyze, contains_phrase, fold, tokens
from surveys.themes import cluster, near_duplicates, similarities, top_terms, vectorize
from surveys.workflow import merge_themes, release_items, unmerge_items

# theme → (French phrasings, English phrasings); "batch" is the planted blocker.
THEMES = {
    "fec": (
        [
            "L'export FEC est refusé par le cabinet comptable",
            "Notre expert-comptable rejette le fichier FEC exporté",
            "Le fichier FEC généré n'est pas accepté par le cabinet",
            "Export FEC : le cabinet dit que le format est invalide",
            "Le cabinet refuse encore notre export FEC",
        ],
        [
            "The FEC export is rejected by our accounting firm",
            "Our accountant refuses the exported FEC file",
            "FEC file export format is invalid according to the accountant",
        ],
    ),
    "pdf": (
        [
            "La génération des PDF de factures est très lente",
            "Générer le PDF d'une facture prend plus d'une minute",
            "Les PDF mettent une éternité à se générer",
            "Lenteur à la génération PDF des factures",
            "Le PDF de la facture est long à générer",
        ],
        [
            "PDF generation of invoices is very slow",
            "Generating an invoice PDF takes forever",
            "Slow PDF generation when sending invoices",
        ],
    ),
    "batch": (
        [
            "Impossible de facturer en lot, la facturation groupée plante",
            "La facturation en lot ne fonctionne pas, impossible de facturer",
            "Facturation groupée bloquée : impossible de facturer nos clients en lot",
            "Le traitement de facturation en lot échoue à chaque fois",
        ],
        [
            "Batch invoicing fails, we cannot invoice our customers",
            "Cannot invoice in batch, the batch invoicing job crashes",
        ],
    ),
    "bank": (
        [
            "Le rapprochement bancaire ne retrouve pas les paiements",
            "Rapprochement bancaire : les paiements clients ne sont pas lettrés",
            "Le lettrage automatique des paiements avec la banque ne marche pas",
            "Les relevés bancaires importés ne se rapprochent pas des paiements",
        ],
        [
            "Bank reconciliation does not match customer payments",
            "Payments are not matched during bank reconciliation",
        ],
    ),
    "session": (
        [
            "Je dois me reconnecter toutes les heures, la session expire",
            "Déconnexion intempestive : la session expire sans arrêt",
            "La session expire trop vite, il faut se reconnecter sans cesse",
            "Session expirée plusieurs fois par jour, très agaçant",
        ],
        [
            "The session expires every hour and I have to log in again",
            "Session keeps expiring, constant logouts during the day",
        ],
    ),
    "training": (
        [
            "Pas assez de formation sur les devis",
            "Nous avons besoin d'une formation sur la création des devis",
            "La formation sur le module devis était trop courte",
            "Formation insuffisante pour faire les devis",
        ],
        ["We need more training on quotes", "The training on the quotes module was too short"],
    ),
    "import": (
        [
            "L'import des clients a créé des doublons",
            "Fiches clients en double après l'import",
            "Doublons de clients depuis l'import du fichier clients",
            "L'import client duplique les fiches",
        ],
        [
            "Customer import created duplicate customer records",
            "Duplicate customers after the customer import",
        ],
    ),
}
# One-off remarks that belong to no theme (each its own truth label).
NOISE = [
    "Le nouvel outil est plutôt agréable à utiliser",
    "Les couleurs de l'interface sont un peu ternes",
    "J'aimerais un mode sombre",
    "Il manque un raccourci clavier pour enregistrer",
    "The dashboard looks nice",
    "Could we get a mobile app?",
    "Le support a répondu rapidement, merci",
    "Les notifications par courriel sont trop nombreuses",
    "La recherche ne trouve pas les articles par référence",
    "Le tableau de bord des ventes est clair",
]
PREFIXES_FR = ["", "", "Depuis la mise en service, ", "Franchement, ", "Encore une fois : "]
SUFFIXES_FR = ["", ".", " depuis la semaine dernière.", " avec le nouvel outil.", " C'est pénible."]
PREFIXES_EN = ["", "", "Since go-live, ", "Honestly, "]
SUFFIXES_EN = ["", ".", " with the new tool.", " every single day.", " Please have a look."]


def planted_corpus(seed, per_theme=12, sizes=None, english_share=0.3):
    """(texts, planted theme of each), shuffled: each theme's phrasings in French or English
    with a random opening and ending, plus the noise remarks."""
    rng = random.Random(seed)
    texts, truth = [], []
    for theme, (fr, en) in THEMES.items():
        for _ in range((sizes or {}).get(theme, per_theme)):
            if rng.random() < english_share:
                text = rng.choice(PREFIXES_EN) + rng.choice(en) + rng.choice(SUFFIXES_EN)
            else:
                text = rng.choice(PREFIXES_FR) + rng.choice(fr) + rng.choice(SUFFIXES_FR)
            texts.append(text)
            truth.append(theme)
    texts += NOISE
    truth += [f"noise{i}" for i in range(len(NOISE))]
    order = list(range(len(texts)))
    rng.shuffle(order)
    return [texts[i] for i in order], [truth[i] for i in order]


def test_text_is_folded_and_bilingual():
    assert fold("Export FEC refusé — Œuvre") == "export fec refuse — oeuvre"
    assert tokens("Les factures n'arrivent pas") == ["facture", "arrivent"]
    assert tokens("invoices") == tokens("facturation") == ["facture"]
    assert tokens("bureaux journaux accès repris taux") == [
        "bureau",
        "journal",
        "acces",
        "repris",
        "taux",
    ]
    assert "export fec" in analyze("L'export FEC")
    assert contains_phrase("Je suis BLOQUE depuis lundi", "bloqué")
    assert not contains_phrase("débloquer la facture", "bloqué")
    assert contains_phrase("IMPOSSIBLE de Facturer !", "impossible de facturer")


def test_planted_themes_are_recovered_with_a_stated_adjusted_rand_index():
    settings = BacklogSettings()
    scores = []
    for seed in range(1, 6):
        texts, truth = planted_corpus(seed)
        labels = cluster(similarities(vectorize(texts)), settings.theme_distance)
        scores.append(adjusted_rand_score(truth, labels))
    assert min(scores) >= 0.9, scores
    assert sum(scores) / len(scores) >= 0.95, scores


def test_labels_come_from_top_terms_and_near_duplicates_are_flagged():
    texts = [
        "L'export FEC est refusé par le cabinet",
        "Export FEC refusé par le cabinet comptable",
        "The FEC export is rejected by our accounting firm",
        "La génération des PDF est lente",
    ]
    vectors = vectorize(texts)
    assert set(top_terms(vectors, [0, 1, 2])) == {"cabinet", "export", "fec"}  # firm → cabinet
    duplicates = near_duplicates(similarities(vectors), [10, 11, 12, 13], 0.75)
    assert duplicates == {11: 10}


def _collect_corpus(make_config, write, store_url, seed=3):
    """The corpus as survey comments and tickets of a 40-person roster in 4 teams; the planted
    blocker (fewer items than any other theme) has its tickets at Highest."""
    rng = random.Random(seed)
    texts, truth = planted_corpus(seed, sizes={"batch": 5})
    people = [(f"P{i:02d}", ("ADV", "Compta", "Logistique", "Achats")[i % 4]) for i in range(40)]
    roster = "user;team\n" + "".join(f"{p};{t}\n" for p, t in people)
    comments, tickets = ["Horodateur;Matricule;Gêne"], ["Key;Summary;Priority;Created;Reporter"]
    kinds = {}
    for n, (text, theme) in enumerate(zip(texts, truth, strict=True)):
        who = rng.choice(people)[0]
        if n % 3 == 0:
            key = f"T-{n}"
            priority = "Highest" if theme == "batch" else rng.choice(("Medium", "Low"))
            tickets.append(f"{key};{text};{priority};0{1 + n % 9}/06/2026 10:00;{who}")
            kinds[("ticket", key)] = theme
        else:
            comments.append(f"0{1 + n % 9}/06/2026 09:{n % 60:02d};{who};{text}")
            kinds[("survey", str(len(comments) - 1))] = theme
    write("roster.csv", roster)
    write("pulse.csv", "\n".join(comments) + "\n")
    write("tickets.csv", "\n".join(tickets) + "\n")
    config = load_config(
        make_config(
            """
            locale: fr
            sources:
              - {name: annuaire, kind: roster, format: csv, path: roster.csv}
              - name: pulse
                kind: survey
                format: csv
                path: pulse.csv
                columns: {submitted_at: Horodateur, user: Matricule}
                questions: {comment: [Gêne]}
              - name: support
                kind: tickets
                format: csv
                path: tickets.csv
                columns: {ref: Key, subject: Summary, priority: Priority, created_at: Created,
                          reporter: Reporter}
            """,
            store=store_url,
        )
    )
    store = open_store(config.store_url)
    assert not any(o.failed or o.total("quarantined") for o in collect(config, store))
    return config, store, kinds


def test_backlog_recovers_the_planted_themes_and_puts_the_blocker_first(
    store_url, make_config, write
):
    config, store, kinds = _collect_corpus(make_config, write, store_url)
    settings = backlog_settings(config)
    try:
        with store.session() as session:
            refresh_backlog(session, settings, config.tz)
        with store.session() as session:
            items = session.scalars(select(FeedbackItem)).all()
            truth = [kinds[(i.kind, i.ref)] for i in items]
            ari = adjusted_rand_score(truth, [i.theme_id for i in items])
            backlog = build_backlog(session, settings)
        assert ari >= 0.9, ari
        first = backlog.entries[0]
        assert first.lane == "urgent"
        assert {kinds[(f.kind, f.ref)] for f in first.feedback} == {"batch"}
        assert all(e.lane == "backlog" for e in backlog.entries[1:])
        # The lane, not the size, puts it first: other themes have more people behind them.
        assert max(e.people for e in backlog.entries[1:]) > first.people
        listed = [(f.kind, f.ref) for e in backlog.entries for f in e.feedback]
        assert sorted(listed) == sorted(kinds)  # every item under exactly one entry
    finally:
        store.dispose()


def test_merges_and_unmerges_survive_new_runs_and_people_count_once(store_url, make_config, write):
    config, store, kinds = _collect_corpus(make_config, write, store_url, seed=4)
    settings = backlog_settings(config)

    def theme_of(planted):
        with store.session() as session:
            ids = {
                i.theme_id
                for i in session.scalars(select(FeedbackItem))
                if kinds[(i.kind, i.ref)] == planted
            }
        assert len(ids) == 1, (planted, ids)
        return ids.pop()

    def entry(theme_id):
        with store.session() as session:
            backlog = build_backlog(session, settings)
        return next(e for e in backlog.entries if e.theme_id == theme_id)

    try:
        with store.session() as session:
            refresh_backlog(session, settings, config.tz)
        fec, bank = theme_of("fec"), theme_of("bank")
        people = {f.id for e in (entry(fec), entry(bank)) for f in e.feedback}
        with store.session() as session:
            merge_themes(session, MANAGER, fec, [bank])
            refresh_backlog(session, settings, config.tz)  # a new run keeps the merge
        with store.session() as session:
            reporters = {
                i.person_key for i in session.scalars(select(FeedbackItem)) if i.id in people
            }
            assert session.get(FeedbackTheme, bank) is None
            assert session.get(FeedbackTheme, fec).manual
        merged = entry(fec)
        assert {f.id for f in merged.feedback} == people
        assert merged.people == len(reporters)  # each person once, though in both themes
        assert merged.people < len(people)

        # Unmerge the bank items: they get a theme of their own, kept by the next run.
        with store.session() as session:
            bank_ids = [
                i.id
                for i in session.scalars(select(FeedbackItem))
                if kinds[(i.kind, i.ref)] == "bank"
            ]
            alone = unmerge_items(session, MANAGER, bank_ids).id
            refresh_backlog(session, settings, config.tz)
        assert theme_of("bank") == alone
        assert theme_of("fec") == fec
        # Released, they go back to the automatic themes: their own cluster again.
        with store.session() as session:
            release_items(session, MANAGER, bank_ids)
            refresh_backlog(session, settings, config.tz)
        assert theme_of("bank") != fec
    finally:
        store.dispose()


@pytest.mark.parametrize("distance", [0.9])
def test_theme_ids_are_stable_across_runs(distance, store_url, make_config, write):
    config, store, _ = _collect_corpus(make_config, write, store_url, seed=5)
    settings = BacklogSettings(theme_distance=distance)
    try:
        with store.session() as session:
            refresh_backlog(session, settings, config.tz)
            before = {i.id: i.theme_id for i in session.scalars(select(FeedbackItem))}
        with store.session() as session:
            run = refresh_backlog(session, settings, config.tz)[1]
            after = {i.id: i.theme_id for i in session.scalars(select(FeedbackItem))}
        assert after == before
        assert run.new_themes == 0
    finally:
        store.dispose()
