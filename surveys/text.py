"""Text of feedback as the themes and the urgent lane read it: folded, tokenized, stop words out.

French and English feedback is compared on one footing: lower case, accents folded (``é`` → ``e``,
``œ`` → ``oe``), apostrophes split (``l'export`` → ``l`` + ``export``), stop words of both
languages removed, and a light plural folding (``factures`` → ``facture``, ``exports`` →
``export``). Nothing here imports scikit-learn: ``themes.py`` feeds ``analyze`` to its vectorizer.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_TOKEN = re.compile(r"[a-z0-9]+")

# French stop words: articles, pronouns, prepositions, auxiliaries and the fillers of feedback.
_FRENCH = """
a ai aie aient aies ait al alors as au aucun aucune aupres aussi autre autres aux avaient avais
avait avant avec avez aviez avions avoir avons ayant bcp beaucoup bien c ca car ce ceci cela
celle celles celui cependant certain certaine certains ces cet cette ceux chaque chez ci comme
comment contre d dans de depuis des deja doit donc dont du elle elles en encore entre es est et
etaient etais etait etant ete etre eu eux fait faire fais faut fois font hors il ils j je jusqu
l la laquelle le lequel les lesquels leur leurs lors lorsque lui m ma mais me meme memes mes moi
moins mon n ne ni non nos notre nous on ont ou par parce pas peu peut peuvent plus plutot pour
pourquoi qu quand que quel quelle quelles quels qui quoi s sa sans se sera serait ses si sien
soit sommes son sont sous suis sur t ta tant te tes toi ton tous tout toute toutes tres trop tu
un une unes uns va vais vont vos votre vous vu y etc svp merci bonjour cordialement
"""
# English stop words (the common list) and the fillers of feedback.
_ENGLISH = """
a about above after again against all also am an and any are as at be because been before being
below between both but by can cannot could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it its
itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them themselves
then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours yourself yourselves please thanks thank
hi hello get got really still
"""
STOP_WORDS: frozenset[str] = frozenset((_FRENCH + _ENGLISH).split())


def fold(text: str) -> str:
    """Lower case without accents: ``Export FEC refusé`` → ``export fec refuse``."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_INVARIABLE = frozenset(
    ["acces", "succes", "proces", "progres", "expres", "temps", "fois", "pays", "mois", "corps"]
)


def _singular(word: str) -> str:
    # A light plural folding shared by French and English (no stemmer for either is exact).
    if len(word) > 4 and word.endswith("eaux"):
        return word[:-1]  # bureaux → bureau
    if len(word) > 4 and word.endswith("aux"):
        return word[:-3] + "al"  # journaux → journal
    if len(word) > 3 and word[-1] == "s" and word[-2] not in "sui" and word not in _INVARIABLE:
        return word[:-1]  # factures → facture, exports → export (not "bus", "repris", "accès")
    return word


# The domain's words (invoicing, accounting, a SaaS's daily troubles) in French and English,
# each mapped onto one French word, so that "invoice" and "facturation" meet in one theme.
_LEXICON_SOURCE = {
    "facture": "facture facturer facturation facturee invoice invoicing invoiced bill billing",
    "devis": "devis quote quotation estimate",
    "client": "client clientele customer",
    "fournisseur": "fournisseur supplier vendor",
    "paiement": "paiement payer paye reglement payment paid",
    "banque": "banque bancaire bank banking",
    "rapprochement": "rapprochement rapprocher rapprochent lettrage lettrer reconciliation "
    "reconcile reconciling match matched matching",
    "comptable": "comptable comptabilite accountant accounting",
    "cabinet": "cabinet firm",
    "export": "export exporter exporte exportee exportation exported exporting",
    "import": "import importer importe importee imported importing",
    "connexion": "connexion connecter reconnecter deconnexion deconnecte login logout logged log",
    "expire": "expire expiree expiration expiring expired",
    "lent": "lent lente lenteur slow slowly slowness sluggish eternite forever",
    "generation": "generation generer genere generee generate generating generated",
    "plante": "plante planter crash crashe crashed crashing",
    "erreur": "erreur error bug",
    "echec": "echec echoue echouer fail failed failing failure",
    "refuse": "refuse refusee refuser rejette rejeter rejet rejete rejetee reject rejected refused",
    "formation": "formation training trained",
    "doublon": "doublon double duplique dupliquer duplicate duplicated",
    "lot": "lot batch groupe groupee grouped bulk masse",
    "fichier": "fichier file",
    "rapport": "rapport report reporting",
    "tva": "tva vat",
    "commande": "commande order",
    "livraison": "livraison delivery",
    "stock": "stock inventaire inventory",
    "impression": "impression imprimer imprime print printing printed",
    "envoi": "envoi envoyer envoye send sending sent",
    "courriel": "courriel email mail",
    "relance": "relance relancer reminder dunning",
    "invalide": "invalide invalid",
    "court": "court courte short",
    "besoin": "besoin need needed",
}
LEXICON: dict[str, str] = {
    word: concept for concept, words in _LEXICON_SOURCE.items() for word in words.split()
}


def tokens(text: str) -> list[str]:
    """The words of ``text`` folded, plurals folded, stop words and numbers-only tokens out, and
    the domain's words mapped through ``LEXICON`` (``invoices`` → ``facture``)."""
    out = []
    for word in _TOKEN.findall(fold(text)):
        if word in STOP_WORDS or len(word) < 2 or word.isdigit():
            continue
        single = _singular(word)
        out.append(LEXICON.get(word) or LEXICON.get(single) or single)
    return out


def analyze(text: str) -> list[str]:
    """Unigrams and bigrams of ``tokens`` (the vectorizer's analyzer)."""
    words = tokens(text)
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def contains_phrase(text: str, phrase: str) -> bool:
    """Whether ``phrase`` occurs in ``text`` as whole words, ignoring case and accents.

    ``"bloqué"`` matches ``Je suis BLOQUE depuis lundi`` but not ``débloquer``.
    """
    words = _TOKEN.findall(fold(phrase))
    if not words:
        return False
    pattern = r"(?<![a-z0-9])" + r"[^a-z0-9]+".join(map(re.escape, words)) + r"(?![a-z0-9])"
    return re.search(pattern, fold(text)) is not None


def first_sentence(text: str, limit: int = 90) -> str:
    """A short title for a piece of feedback: its first line or sentence, cut at ``limit``."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    match = re.match(r"(.+?[.!?])(\s|$)", line)
    sentence = match.group(1) if match and len(match.group(1)) >= 12 else line
    if len(sentence) > limit:
        cut = sentence[: limit - 1].rsplit(" ", 1)[0]
        sentence = cut.rstrip(" ,;:") + "…"
    return sentence
