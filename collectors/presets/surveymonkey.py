"""Preset `surveymonkey`: SurveyMonkey "All responses data" (CSV or .xlsx). See docs/sources.md.

The two header rows are merged by ``collectors.readers.surveymonkey_csv``: a matrix row or an
option reads ``"<question> - <row label>"``.
"""

from collectors.formats import Format

FORMAT = Format(
    "surveymonkey",
    "collectors.readers.surveymonkey_csv",
    "SurveyMonkey all responses data, CSV or Excel (two header rows)",
    defaults={
        "survey": {
            "ref": ("Respondent ID",),
            "submitted_at": ("End Date",),
            "user": ("Email Address",),
        }
    },
    # SurveyMonkey writes 05/31/2026 02:03:04 PM: month first.
    dayfirst_hints={"respondent id": False},
    decimal=".",
)
