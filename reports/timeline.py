"""The deadline timeline: the statutory steps of a case drawn as an SVG, the picture a family
adviser would draw, with the HESC r.12(3) holiday periods shaded.

It draws dates it is given (the facts, and the deadlines the knowledge base answered); it
computes none of them. The shaded periods come from ``redress.law.dates.r12_windows``.

>>> import datetime as dt
>>> svg = timeline_svg([Event(dt.date(2025, 10, 31), "Decision sent", "fact"),
...                     Event(dt.date(2026, 1, 2), "Appeal deadline", "deadline")])
>>> svg.startswith("<svg") and "25 December to 1 January" in svg
True
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from xml.sax.saxutils import escape

from redress.law.dates import r12_windows

__all__ = ["Event", "timeline_svg"]

WIDTH, LEFT, RIGHT = 860, 30, 30
AXIS_Y, LANE = 150, 34
INK, DEADLINE, FACT, BAND = "#0b0c0c", "#d4351c", "#1d70b8", "#f3f2f1"


@dataclass(frozen=True)
class Event:
    day: _dt.date
    label: str
    kind: str  # fact (something that happened) | deadline (a date the law sets)


def _short(d: _dt.date) -> str:
    return f"{d.day} {d:%b %Y}"


def timeline_svg(events: list[Event], title: str = "Deadline timeline") -> str:
    """The events on a time axis; labels stacked in lanes so none overlap."""
    if not events:
        raise ValueError("a timeline needs at least one date")
    events = sorted(events, key=lambda e: (e.day, e.kind != "fact"))
    first, last = events[0].day, events[-1].day
    pad = max(7, (last - first).days // 12)
    start, end = first - _dt.timedelta(days=pad), last + _dt.timedelta(days=pad)
    span = max(1, (end - start).days)

    def x(d: _dt.date) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (d - start).days / span

    # Each label goes in the first lane (above the axis, then below, alternately) where it fits,
    # to the right of its mark, or to the left near the right edge.
    lanes: list[list[tuple[float, float]]] = []
    placed: list[tuple[Event, float, int, bool]] = []
    for event in events:
        px = x(event.day)
        width = 7.4 * max(len(event.label), len(_short(event.day))) + 8
        left = px + width > WIDTH - 4
        lo, hi = (px - width, px) if left else (px, px + width)
        lane = next((i for i, used in enumerate(lanes) if all(hi + 4 < a or lo - 4 > b for a, b in used)), len(lanes))
        if lane == len(lanes):
            lanes.append([])
        lanes[lane].append((lo, hi))
        placed.append((event, px, lane, left))
    above = (len(lanes) + 1) // 2
    below = len(lanes) // 2
    axis = 40 + above * LANE + 20
    height = axis + 40 + below * LANE + 20

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="timeline-title timeline-desc" '
             f'viewBox="0 0 {WIDTH} {height}" width="100%" font-family="Arial, Helvetica, sans-serif" font-size="13">',
             f'<title id="timeline-title">{escape(title)}</title>',
             '<desc id="timeline-desc">' + escape("; ".join(f"{e.label}: {_short(e.day)}" for e in events))
             + "</desc>",
             f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>']
    for first_day, last_day, name in r12_windows(start, end):
        x0, x1 = x(max(first_day, start)), x(min(last_day, end) + _dt.timedelta(days=1))
        parts.append(f'<rect x="{x0:.1f}" y="20" width="{max(2.0, x1 - x0):.1f}" height="{height - 40}" '
                     f'fill="{BAND}" stroke="#b1b4b6" stroke-dasharray="4 3"><title>{escape(name)}: HESC Rules r.12(3) '
                     'holiday period</title></rect>')
        parts.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{height - 8}" text-anchor="middle" fill="#505a5f" '
                     f'font-size="11">{escape(name)} (HESC r.12(3))</text>')
    parts.append(f'<line x1="{LEFT}" y1="{axis}" x2="{WIDTH - RIGHT}" y2="{axis}" stroke="{INK}" stroke-width="2"/>')
    month = _dt.date(start.year, start.month, 1)
    while month <= end:
        if month >= start:
            mx = x(month)
            parts.append(f'<line x1="{mx:.1f}" y1="{axis - 5}" x2="{mx:.1f}" y2="{axis + 5}" stroke="{INK}"/>')
            parts.append(f'<text x="{mx + 3:.1f}" y="{axis + 18}" fill="#505a5f" font-size="11">{month:%b %Y}</text>')
        month = _dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    for event, px, lane, left in placed:
        colour = DEADLINE if event.kind == "deadline" else FACT
        up = lane % 2 == 0
        row = lane // 2
        ty = axis - 30 - row * LANE if up else axis + 44 + row * LANE
        parts.append(f'<line x1="{px:.1f}" y1="{axis}" x2="{px:.1f}" y2="{ty + (8 if up else -14)}" stroke="{colour}"/>')
        marker = (f'<rect x="{px - 6:.1f}" y="{axis - 6}" width="12" height="12" fill="{colour}" '
                  f'transform="rotate(45 {px:.1f} {axis})"/>' if event.kind == "deadline"
                  else f'<circle cx="{px:.1f}" cy="{axis}" r="6" fill="{colour}"/>')
        parts.append(marker)
        tx, anchor = (px - 4, "end") if left else (px + 4, "start")
        parts.append(f'<text x="{tx:.1f}" y="{ty - 2}" text-anchor="{anchor}" fill="{INK}" font-weight="bold">'
                     f'{escape(event.label)}</text>')
        parts.append(f'<text x="{tx:.1f}" y="{ty + 13}" text-anchor="{anchor}" fill="{INK}">{escape(_short(event.day))}</text>')
    parts.append("</svg>")
    return "\n".join(parts)

