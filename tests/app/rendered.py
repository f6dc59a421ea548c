"""Readers of what an AppTest run rendered: every element, the charts with their data decoded,
and all the text that reaches the browser."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
from google.protobuf import text_format
from streamlit.testing.v1 import AppTest


def nodes(app: AppTest) -> Iterator[Any]:
    """Every element of the last run (main area, sidebar, nested blocks)."""

    def walk(node: Any) -> Iterator[Any]:
        for child in getattr(node, "children", {}).values():
            yield child
            yield from walk(child)

    yield from walk(app._tree)


def arrow_frame(data: bytes) -> pd.DataFrame:
    """A DataFrame from the Arrow IPC bytes Streamlit sends to the browser."""
    return pa.ipc.open_stream(io.BytesIO(data)).read_pandas()


@dataclass
class RenderedChart:
    spec: dict[str, Any]
    datasets: dict[str, pd.DataFrame]

    def rows(self) -> pd.DataFrame:
        """Every dataset of the chart, stacked."""
        frames = list(self.datasets.values())
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def mark_types(self) -> list[str]:
        """The mark of every layer, nested layers included."""

        def marks(spec: dict[str, Any]) -> Iterator[str]:
            if "mark" in spec:
                mark = spec["mark"]
                yield mark["type"] if isinstance(mark, dict) else mark
            for layer in spec.get("layer", []):
                yield from marks(layer)

        return list(marks(self.spec))


def charts(app: AppTest) -> list[RenderedChart]:
    """The Vega-Lite charts of the last run, with their data decoded."""
    found = []
    for element in app.get("vega_lite_chart"):
        proto = element.proto
        found.append(
            RenderedChart(
                spec=json.loads(proto.spec),
                datasets={d.name: arrow_frame(d.data.data) for d in proto.datasets},
            )
        )
    return found


def rendered_text(app: AppTest) -> str:
    """All the text a run sends to the browser: markdown, metrics, widget options, table cells,
    chart specs and chart data (binary payloads decoded)."""
    parts: list[str] = []
    for node in nodes(app):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        if getattr(node, "type", None) == "vega_lite_chart":
            parts.append(json.dumps(json.loads(proto.spec), ensure_ascii=False))
            parts.extend(arrow_frame(d.data.data).to_csv() for d in proto.datasets)
        elif getattr(node, "type", None) == "dataframe":
            parts.append(node.value.to_csv())
            parts.append(text_format.MessageToString(proto, as_utf8=True))
        else:
            parts.append(text_format.MessageToString(proto, as_utf8=True))
    return "\n".join(parts)
