from collectors.privacy import Pseudonymizer, normalize_identifier, scrub_text


def test_pseudonyms_are_keyed_and_stable():
    a, b = Pseudonymizer(b"key-a"), Pseudonymizer(b"key-b")
    assert a("DE0042") == a(" de0042 ") == Pseudonymizer(b"key-a")("De0042")
    assert a("DE0042") != b("DE0042")
    assert len(a("DE0042")) == 32 and "de0042" not in a("DE0042")
    assert "key-a" not in repr(a)


def test_without_key_the_normalized_identifier_is_kept():
    assert Pseudonymizer(None)(" Jean.Dupont@X.fr ") == "jean.dupont@x.fr"
    assert normalize_identifier("  AB ") == "ab"


def test_scrub_emails_and_phone_numbers():
    assert scrub_text("écrire à jean.dupont@dubois-equipements.fr svp") == "écrire à [e-mail] svp"
    assert scrub_text("rappeler le 06 12 34 56 78 ou +33 6 12 34 56 78") == (
        "rappeler le [téléphone] ou [téléphone]"
    )
    # invoice numbers, dates and amounts are not phone numbers
    for text in ("facture FA-2026-00012", "le 31/05/2026", "total 12345,60 €", "v1.2.3"):
        assert scrub_text(text) == text
