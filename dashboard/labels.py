"""Words the pages show for the view's choices: periods, and when a period fits a span.

Pure: no streamlit here.
"""

from __future__ import annotations

import datetime as dt

FREQ_LABELS = {
    "auto": "Auto",
    "day": "Day",
    "week": "Week",
    "month": "Month",
    "quarter": "Quarter",
    "year": "Year",
    "decade": "Decade",
}
VIEW_WORDS = {
    "day": "daily",
    "week": "weekly",
    "month": "monthly",
    "quarter": "quarterly",
    "year": "yearly",
    "decade": "decade",
}


def auto_freq(first: str | None, last: str | None) -> str:
    """A period that gives a readable number of bars for the span of the selection."""
    if not first or not last:
        return "year"
    days = (dt.date.fromisoformat(last) - dt.date.fromisoformat(first)).days
    if days <= 62:
        return "day"
    if days <= 366:
        return "week"
    if days <= 5 * 366:
        return "month"
    if days <= 20 * 366:
        return "quarter"
    return "year"
