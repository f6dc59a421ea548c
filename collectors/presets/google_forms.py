"""Preset `google-forms`: Google Forms responses downloaded as CSV. See docs/sources.md."""

from collectors.formats import Format

FORMAT = Format(
    "google-forms",
    "collectors.readers.csv",
    "Google Forms responses exported as CSV (English or French)",
    defaults={
        "survey": {
            "submitted_at": ("Timestamp", "Horodateur", "Horodatage"),
            "user": ("Email Address", "Email", "Adresse e-mail", "Adresse email"),
        }
    },
    dayfirst_hints={"timestamp": False, "horodateur": True, "horodatage": True},
)
