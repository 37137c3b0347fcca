"""Chart geometry for the dashboard and the PDF: plain numbers for SVG templates
(templates/reports/charts/), so both draw the same charts from the same code."""

import math
from dataclasses import dataclass

SCALE_MAX = 4
RADAR_SIZE = 600  # room around the radius for the principles' names
RADAR_RADIUS = 150
RADAR_LABEL_ROOM = 60


@dataclass(frozen=True)
class RadarAxis:
    label: str
    level: float | None
    x: float
    y: float
    label_x: float
    label_y: float
    anchor: str


def radar_point(index: int, count: int, level: float, radius: float = RADAR_RADIUS) -> tuple:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    distance = radius * max(0.0, min(level, SCALE_MAX)) / SCALE_MAX
    centre = RADAR_SIZE / 2
    return round(centre + distance * math.cos(angle), 1), round(
        centre + distance * math.sin(angle), 1
    )


def radar(principles: list[dict], previous: dict[str, float | None] | None = None) -> dict:
    """Axes, the team's polygon and, when there is one, the previous round's polygon behind it.
    A principle nobody could rate sits at the centre and says so in the table alternative."""
    count = len(principles)
    axes = []
    for index, principle in enumerate(principles):
        x, y = radar_point(index, count, SCALE_MAX)
        label_x, label_y = radar_point(index, count, SCALE_MAX, RADAR_RADIUS + 18)
        anchor = (
            "middle"
            if abs(label_x - RADAR_SIZE / 2) < 10
            else ("start" if label_x > RADAR_SIZE / 2 else "end")
        )
        axes.append(
            RadarAxis(principle["name"], principle["level"], x, y, label_x, label_y, anchor)
        )

    def polygon(levels: list[float | None]) -> str:
        return " ".join(
            "{},{}".format(*radar_point(index, count, level or 0))
            for index, level in enumerate(levels)
        )

    rings = [polygon([level] * count) for level in range(1, SCALE_MAX + 1)]
    margin = RADAR_SIZE / 2 - RADAR_RADIUS - 40  # the empty band above and below the drawing
    return {
        "size": RADAR_SIZE,
        "view_top": margin,
        "view_height": RADAR_SIZE - 2 * margin,
        # Wider than tall: the longest names ("Continuous integration") sit left and right.
        "view_left": -RADAR_LABEL_ROOM,
        "view_width": RADAR_SIZE + 2 * RADAR_LABEL_ROOM,
        "centre": RADAR_SIZE / 2,
        "axes": axes,
        "rings": rings,
        "current": polygon([p["level"] for p in principles]),
        "previous": polygon(
            [
                (p["level"] or 0) - (previous.get(p["key"]) or 0)
                if previous.get(p["key"]) is not None
                else None
                for p in principles
            ]
        )
        if previous
        else None,
    }


BAR_ROW = 28
BAR_TRACK_X = 190
BAR_TRACK_WIDTH = 280


def bars(principles: list[dict]) -> dict:
    """One bar per principle on 0-100, with the spread drawn as one standard deviation either
    side of the level; coordinates in the chart's own units."""
    rows = []
    for index, principle in enumerate(principles):
        level = principle["level"]
        stdev = principle.get("stdev") or 0

        def x(value: float) -> float:
            return round(BAR_TRACK_X + BAR_TRACK_WIDTH * value / SCALE_MAX, 1)

        rows.append(
            {
                **principle,
                "y": index * BAR_ROW,
                "width": round(BAR_TRACK_WIDTH * (level or 0) / SCALE_MAX, 1),
                "low": x(max(0, level - stdev)) if level is not None else None,
                "high": x(min(SCALE_MAX, level + stdev)) if level is not None else None,
            }
        )
    return {
        "rows": rows,
        "height": len(rows) * BAR_ROW,
        "track_x": BAR_TRACK_X,
        "track_width": BAR_TRACK_WIDTH,
        "value_x": BAR_TRACK_X + BAR_TRACK_WIDTH + 8,
    }


def heat(level: float | None) -> int:
    """A colour step 0-4 for a heatmap cell."""
    return 0 if level is None else max(0, min(SCALE_MAX, math.floor(level + 0.5)))


def heatmap(cells: list[dict], principles: list[dict]) -> list[dict]:
    """Rows of a team or role breakdown with each principle's level and colour step; a
    suppressed cell keeps only its name."""
    return [
        {
            "name": cell["name"],
            "suppressed": cell["suppressed"],
            "responses": cell.get("responses"),
            "levels": []
            if cell["suppressed"]
            else [
                {
                    "name": principle["name"],
                    "level": cell["principles"][principle["key"]]["level"],
                    "heat": heat(cell["principles"][principle["key"]]["level"]),
                }
                for principle in principles
            ],
        }
        for cell in cells
    ]
