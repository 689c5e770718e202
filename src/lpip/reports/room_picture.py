"""The room map's picture: where the opinion groups sit, laid out for an inline SVG.

:func:`room_picture` turns a :class:`~lpip.deliberation.room.RoomMap`'s anonymous positions into
what ``capture/_room_picture.html`` draws: one path of marks per group (its own colour and shape,
so that colour is never the only cue), the group's letter and size beside it, and, on a
participant's own page only, a ring marked "You" at their place. Nothing in it names anyone: a
group's marks are one path, so no mark can carry a tooltip or an id. The colours are the
stylesheet's (``.room-picture .group-N`` in lpip.css, text contrast checked by
tests/web/test_contrast.py); a group is told by its ``style`` number.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

WIDTH, HEIGHT = 320, 220  # the SVG's viewBox; the page scales it to the screen's width
MARGIN = 22  # room for the letters and the "You" label at the edges
MARK = 4.5  # a mark's half-width
STYLES = 8  # colours in the stylesheet (.group-0 ... .group-7); a ninth group takes the first again
SHAPES = ("circle", "square", "triangle", "diamond")
YOU_RING = 9.5  # the ring's smallest radius; its label sits beside it, on the side with room
SPREAD = 1.3 * MARK  # spacing of marks that share a spot (see _spread)
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
LABEL_TOP = 14  # a group letter's baseline is never higher than this (it would be cut off)


@dataclass(frozen=True)
class PictureGroup:
    """One group as drawn: ``path`` holds all its marks; ``label_x``/``label_y`` place "A · 7";
    ``style`` picks its colour (``group-N`` in the stylesheet)."""

    name: str
    size: int
    style: int
    shape: str
    path: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class RoomPicture:
    """A room map laid out in a ``width`` x ``height`` box; ``you`` is the participant's own
    place (x, y) when the picture is for their page, ``you_label`` where its word goes (x, y,
    and the text-anchor: "start" to the right of the ring, "end" to its left)."""

    width: int
    height: int
    groups: list[PictureGroup]
    you: tuple[float, float] | None = None
    you_label: tuple[float, float, str] | None = None

    ring: float = YOU_RING  # the radius of the ring round "You"

    @property
    def marks(self) -> int:
        return sum(g.path.count("M") for g in self.groups)


def room_picture(room, own: tuple[float, float] | None = None) -> RoomPicture | None:
    """Lay out a ready room map's groups (None when the map is not ready or has no positions).

    Parameters
    ----------
    room : RoomMap
        From :func:`lpip.deliberation.room.room_map`.
    own : tuple, optional
        The participant's own position (:meth:`RoomMap.position_of`); leave out for the projector.

    Examples
    --------
    >>> from lpip.deliberation.room import RoomMap
    >>> groups = [dict(name="A", size=2, positions=[(-1.0, 0.1), (-0.8, 0.0)]),
    ...           dict(name="B", size=1, positions=[(1.0, -0.1)])]
    >>> picture = room_picture(RoomMap(True, groups=groups))
    >>> picture.marks, [g.shape for g in picture.groups]
    (3, ['circle', 'square'])
    """
    if not room.ready or not any(g["positions"] for g in room.groups):
        return None
    points = [p for g in room.groups for p in g["positions"]] + ([own] if own else [])
    place = _scale(points)
    you = place(own) if own else None
    ring = YOU_RING
    groups = []
    for i, group in enumerate(room.groups):
        shape = SHAPES[i % len(SHAPES)]
        spots = [place(p) for p in group["positions"]]
        if not spots:
            continue
        if you is not None and you in spots:
            ring = max(ring, _spread_radius(spots.count(you)) + MARK + 3)
        marks = _spread(spots)
        label_x, label_y = _label(marks, you, ring)
        groups.append(PictureGroup(group["name"], group["size"], i % STYLES, shape,
                                   " ".join(_mark(shape, x, y) for x, y in marks), label_x, label_y))
    return RoomPicture(WIDTH, HEIGHT, groups, you, _you_label(you, ring) if you else None, ring)


def _scale(points: list[tuple[float, float]]):
    """A function from map positions to the box: both axes scaled alike, centred, y upwards."""
    extent_x = max(abs(x) for x, _ in points) or 1.0
    extent_y = max(abs(y) for _, y in points) or 1.0
    scale = min((WIDTH / 2 - MARGIN) / extent_x, (HEIGHT / 2 - MARGIN) / extent_y)
    return lambda p: (round(WIDTH / 2 + p[0] * scale, 1), round(HEIGHT / 2 - p[1] * scale, 1))


def _spread_radius(n: int) -> float:
    """How far from their spot the farthest of ``n`` marks sharing it is put (see :func:`_spread`)."""
    return 0.0 if n < 2 else round(SPREAD * math.sqrt(n - 0.5), 1)


def _spread(spots: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """People who voted alike share a spot: put their marks round it in a sunflower (Vogel's
    spiral, always the same way), so that every person shows; marks stay inside the box."""
    counts = Counter(spots)
    seen: Counter = Counter()
    marks = []
    for spot in spots:
        k = seen[spot]
        seen[spot] += 1
        radius = SPREAD * math.sqrt(k + 0.5) if counts[spot] > 1 else 0.0
        x, y = spot[0] + radius * math.cos(k * GOLDEN_ANGLE), spot[1] + radius * math.sin(k * GOLDEN_ANGLE)
        marks.append((round(min(max(x, MARK + 1), WIDTH - MARK - 1), 1),
                      round(min(max(y, MARK + 2), HEIGHT - MARK - 2), 1)))
    return marks


def _label(marks: list[tuple[float, float]], you: tuple[float, float] | None, ring: float) -> tuple[float, float]:
    """Above the group's marks, at their middle (and above the ring round "You" when it is near),
    kept inside the box."""
    x = min(max(sum(m[0] for m in marks) / len(marks), MARGIN), WIDTH - MARGIN)
    y = min(m[1] for m in marks) - MARK - 5
    if you is not None and abs(x - you[0]) < 30 and y > you[1] - ring - 4:
        y = you[1] - ring - 4
    return round(x, 1), round(max(y, LABEL_TOP), 1)


def _you_label(you: tuple[float, float], ring: float) -> tuple[float, float, str]:
    x, y = you
    gap = ring + 3
    return (round(x + gap, 1), round(y + 4, 1), "start") if x < WIDTH * 0.8 else (round(x - gap, 1), round(y + 4, 1), "end")


def _mark(shape: str, x: float, y: float) -> str:
    """One mark as a closed sub-path."""
    r = MARK
    if shape == "square":
        return f"M{x - r:g},{y - r:g}h{2 * r:g}v{2 * r:g}h{-2 * r:g}Z"
    if shape == "triangle":
        return f"M{x:g},{y - r - 1:g}L{x + r + 0.5:g},{y + r:g}L{x - r - 0.5:g},{y + r:g}Z"
    if shape == "diamond":
        return f"M{x:g},{y - r - 1:g}L{x + r + 1:g},{y:g}L{x:g},{y + r + 1:g}L{x - r - 1:g},{y:g}Z"
    return f"M{x - r:g},{y:g}a{r:g},{r:g} 0 1,0 {2 * r:g},0a{r:g},{r:g} 0 1,0 {-2 * r:g},0Z"
