"""Values as PostgreSQL COPY text (tab-separated, \\N for NULL, backslash escapes)."""

import datetime
import json

from .clock import UTC


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def timestamp(t: float | None) -> str:
    return "\\N" if t is None else datetime.datetime.fromtimestamp(t, UTC).isoformat()


def null(v) -> str:
    return "\\N" if v is None else str(v)


def json_text(v) -> str:
    if not v:
        return "\\N" if v is None else ("{}" if isinstance(v, dict) else "[]")
    return escape(json.dumps(v, ensure_ascii=False, separators=(", ", ": ")))


def copy_line(values) -> str:
    out = []
    for v in values:
        if v is None:
            out.append("\\N")
        elif isinstance(v, bool):
            out.append("t" if v else "f")
        elif isinstance(v, datetime.datetime):
            out.append(v.isoformat())
        else:
            out.append(escape(str(v)))
    return "\t".join(out) + "\n"
