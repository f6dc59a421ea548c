"""Survey responses: one row per response, its questions mapped to instruments.

``questions`` in the source config maps instruments (nps, csat, ces, sus, umux_lite, comment) to
column headers; text answers (Likert scales in French or English) are read through the source's
``values`` for that instrument, else through built-in scales, else as a number (``5 - Tout à fait
d'accord`` reads 5). Each response keeps a ``ref``: the response id when the export has one, else
its data-row number in the file (1 = first row after the header).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from collectors.base import (
    CollectContext,
    Field,
    RowConverter,
    RowError,
    WriteResult,
    fields_of,
    first_in_file,
    stable_hash,
)
from collectors.privacy import scrub_text
from collectors.readers import FileError, RawRow
from collectors.values import parse_number
from metrics.store.models import SurveyAnswer, SurveyResponse

# Scale of each numeric instrument: (lowest, highest).
SCALES: dict[str, tuple[int, int]] = {
    "nps": (0, 10),
    "csat": (1, 5),
    "ces": (1, 7),
    "sus": (1, 5),
    "umux_lite": (1, 7),
}
_AGREE_5 = {
    "pas du tout d'accord": 1,
    "fortement en désaccord": 1,
    "tout à fait en désaccord": 1,
    "pas d'accord": 2,
    "plutôt pas d'accord": 2,
    "en désaccord": 2,
    "neutre": 3,
    "ni d'accord ni pas d'accord": 3,
    "ni d'accord, ni pas d'accord": 3,
    "d'accord": 4,
    "plutôt d'accord": 4,
    "tout à fait d'accord": 5,
    "fortement d'accord": 5,
    "strongly disagree": 1,
    "disagree": 2,
    "neutral": 3,
    "neither agree nor disagree": 3,
    "agree": 4,
    "strongly agree": 5,
}
_SATISFIED_5 = {
    "très insatisfait": 1,
    "insatisfait": 2,
    "neutre": 3,
    "ni satisfait ni insatisfait": 3,
    "satisfait": 4,
    "très satisfait": 5,
    "very dissatisfied": 1,
    "dissatisfied": 2,
    "neutral": 3,
    "neither satisfied nor dissatisfied": 3,
    "satisfied": 4,
    "very satisfied": 5,
}
BUILT_IN_SCALES: dict[str, dict[str, int]] = {"sus": _AGREE_5, "csat": _SATISFIED_5}
_LEADING_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(?:[-–:.)]|$)")
_COMMENT_LIMIT = 8000


def _fold(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).casefold()


class SurveyKind:
    name = "survey"
    fields = fields_of(
        Field("submitted_at", "datetime", help="when the response was submitted"),
        Field("user", "id", help="respondent (e-mail or matricule); empty for anonymous rounds"),
        Field("team", "text", help="the respondent's team, when the form asks it", max_length=200),
        Field(
            "ref",
            "text",
            help="response id; default: the data-row number in the file",
            max_length=100,
        ),
        Field("round", "text", help="survey round (e.g. J+30)", max_length=100),
        Field("complete", "bool", help="the response was submitted in full (default: yes)"),
    )

    def bind_header(self, converter: RowConverter, header: list[str], path: str) -> None:
        """Find each question's column; a question missing from the header fails the file."""
        source = converter.ctx.source
        if not source.questions:
            raise FileError(
                f"{path}: {source.key_path}.questions maps no question to an instrument; "
                "add e.g. questions: {nps: '<the NPS question as written in the header>'}"
            )
        columns: list[tuple[str, int, str, str]] = []
        missing = []
        for instrument, headers in source.questions.items():
            for item, wanted in enumerate(headers, start=1):
                column = converter.by_folded.get(" ".join(wanted.split()).casefold())
                if column is None:
                    missing.append(f"{wanted!r} (questions.{instrument})")
                else:
                    columns.append((instrument, item, wanted, column))
        if missing:
            raise FileError(
                f"{path}: {', '.join(missing)} not in the header; "
                f"the header has: {', '.join(header[:30])}. Fix {source.key_path}.questions"
            )
        converter.ctx.file_state["questions"] = columns
        converter.ctx.file_state["converter"] = converter

    def _answer(self, converter: RowConverter, instrument: str, column: str, text: str) -> Any:
        found, mapped = converter.map_value(instrument, text)
        if instrument == "comment":
            value = mapped if found else text
            return None if value is None else scrub_text(str(value).strip())[:_COMMENT_LIMIT]
        if found:
            value = mapped
        elif not text.strip():
            return None
        else:
            value = BUILT_IN_SCALES.get(instrument, {}).get(_fold(text))
            if value is None:
                match = _LEADING_NUMBER.match(text)
                number_text = match.group(1) if match else text
                try:
                    value = parse_number(number_text, "," if "," in number_text else ".")
                except ValueError:
                    raise RowError(
                        "convert",
                        f"column {column!r} ({instrument}): {text!r} is not an answer on the "
                        f"{instrument} scale; map it under values.{instrument}",
                    ) from None
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RowError(
                "convert", f"column {column!r} ({instrument}): {value!r} is not a number"
            )
        low, high = SCALES[instrument]
        if not low <= value <= high:
            raise RowError(
                "validate",
                f"column {column!r} ({instrument}): {value:g} is outside the {low}–{high} scale",
            )
        return float(value)

    def finish_record(
        self, record: dict[str, Any], ctx: CollectContext, row: RawRow
    ) -> dict[str, Any]:
        converter: RowConverter = ctx.file_state["converter"]
        answers = []
        assert row.values is not None
        for instrument, item, question, column in ctx.file_state["questions"]:
            value = self._answer(converter, instrument, column, row.values.get(column, ""))
            if value is None or value == "":
                continue
            if instrument == "comment":
                answers.append((instrument, item, question, None, value))
            else:
                answers.append((instrument, item, question, value, None))
        submitted: dt.datetime | None = record["submitted_at"]
        if submitted is not None:
            if submitted > dt.datetime.now(dt.UTC) + dt.timedelta(days=1):
                raise RowError("validate", f"the time {submitted.isoformat()} is in the future")
            record["day"] = ctx.local_day(submitted)
            record["submitted_at"] = submitted.astimezone(dt.UTC)
        else:
            record["day"] = None
        has_id = bool(record["ref"])
        record["ref"] = record["ref"] or str(row.number)
        if record["complete"] is None:
            # Without a completeness column, a response with an empty submission time (as
            # LimeSurvey writes for unfinished ones) is incomplete; otherwise complete.
            converter_columns = ctx.file_state["converter"].columns
            record["complete"] = not ("submitted_at" in converter_columns and submitted is None)
        record["answers"] = answers
        if has_id:
            # A response id names the response: a later export of it (finished since, or
            # edited) updates it instead of adding another.
            record["response_key"] = stable_hash("survey", ctx.source.name, record["ref"])
        else:
            record["response_key"] = stable_hash(
                "survey",
                ctx.source.name,
                record["ref"],
                record["submitted_at"].isoformat() if submitted else None,
                record["user"],
            )
        record["row_hash"] = stable_hash(
            record["submitted_at"].isoformat() if submitted else None,
            record["user"],
            record["team"],
            record["round"],
            record["complete"],
            repr(answers),
        )
        return record

    def write(
        self, session: Session, ctx: CollectContext, items: list[tuple[RawRow, dict[str, Any]]]
    ) -> WriteResult:
        result = WriteResult()
        keys = list({r["response_key"] for _, r in items})
        existing = {
            r.response_key: r
            for r in session.scalars(
                select(SurveyResponse).where(SurveyResponse.response_key.in_(keys))
            )
        }
        for row, record in items:
            key = record["response_key"]
            conflict = (
                f"response {record['ref']} is already listed at line {{line}} with other answers"
            )
            if not first_in_file(ctx, key, row, record["row_hash"], result, conflict):
                continue
            response = existing.get(key)
            if response is not None and response.row_hash == record["row_hash"]:
                result.duplicates += 1
                continue
            values = {
                "source": ctx.source.name,
                "file_id": ctx.file_id,
                "ref": record["ref"],
                "round": record["round"],
                "submitted_at": record["submitted_at"],
                "day": record["day"],
                "user_key": record["user"],
                "team": record["team"],
                "complete": record["complete"],
                "row_hash": record["row_hash"],
            }
            if response is None:
                response = SurveyResponse(response_key=key, **values)
                session.add(response)
            else:
                for name, value in values.items():
                    setattr(response, name, value)
                session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == response.id))
            session.flush()
            if record["answers"]:
                session.execute(
                    insert(SurveyAnswer),
                    [
                        {
                            "response_id": response.id,
                            "instrument": instrument,
                            "item": item,
                            "question": question,
                            "value": value,
                            "text": text,
                        }
                        for instrument, item, question, value, text in record["answers"]
                    ],
                )
            result.accepted += 1
        return result

    def after_file(self, session: Session, ctx: CollectContext) -> None:
        return None
