"""Preset `typeform`: Typeform responses downloaded as CSV. See docs/sources.md."""

from collectors.formats import Format

FORMAT = Format(
    "typeform",
    "collectors.readers.typeform_csv",
    "Typeform responses downloaded as CSV (times in UTC)",
    defaults={
        "survey": {
            "ref": ("#",),
            "submitted_at": ("Submit Date (UTC)",),
            "user": ("email", "e-mail", "user_id"),
        }
    },
    decimal=".",
)
