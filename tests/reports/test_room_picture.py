"""The room map's picture: every grouped person a mark inside the box, axes scaled alike, "You" only when asked."""

from __future__ import annotations

import math
import re

import pytest

from lpip.deliberation.room import RoomMap
from lpip.reports.room_picture import HEIGHT, MARGIN, MARK, SHAPES, WIDTH, room_picture


def _room(*groups) -> RoomMap:
    return RoomMap(True, voters=sum(len(g) for g in groups),
                   groups=[dict(name="ABCDEFGH"[i], size=len(g), positions=sorted(g)) for i, g in enumerate(groups)])


def _starts(path: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"M(-?[\d.]+),(-?[\d.]+)", path)]


def test_a_room_not_ready_or_without_places_has_no_picture():
    assert room_picture(RoomMap(False, "few_voters")) is None
    assert room_picture(RoomMap(True, groups=[dict(name="A", size=0, positions=[])])) is None


def test_every_place_is_one_mark_inside_the_box_and_each_group_has_its_own_shape():
    left = [(-1.0, 0.2), (-0.9, -0.1), (-0.8, 0.0)]
    right = [(1.0, 0.1), (0.7, -0.2)]
    lone = [(0.0, 0.6)]
    picture = room_picture(_room(left, right, lone))
    assert picture.marks == 6 and [g.size for g in picture.groups] == [3, 2, 1]
    assert [g.shape for g in picture.groups] == list(SHAPES[:3]) and [g.style for g in picture.groups] == [0, 1, 2]
    for group in picture.groups:
        for x, y in _starts(group.path):
            assert 0 < x < WIDTH and 0 < y < HEIGHT
        assert MARGIN - 6 <= group.label_y and MARGIN <= group.label_x <= WIDTH - MARGIN
    assert picture.you is None and picture.you_label is None


def test_both_axes_are_scaled_alike_so_distances_keep_their_meaning():
    # Two points 2 apart across and two 0.5 apart up and down: the drawing keeps the ratio 4.
    picture = room_picture(_room([(-1.0, 0.0), (1.0, 0.0)], [(0.0, 0.25), (0.0, -0.25)]))
    circle_x = sorted(x for x, _ in _starts(picture.groups[0].path))  # a circle's path starts at its left edge
    square_y = sorted(y for _, y in _starts(picture.groups[1].path))  # a square's at its top
    assert (circle_x[1] - circle_x[0]) / (square_y[1] - square_y[0]) == pytest.approx(4.0, rel=0.02)
    # The longer side fills the box's width less the margins.
    assert circle_x[1] - circle_x[0] == pytest.approx(WIDTH - 2 * MARGIN, abs=0.2)


def test_up_on_the_map_is_up_in_the_picture():
    picture = room_picture(_room([(0.0, 1.0)], [(0.0, -1.0)]))
    (_, top), (_, bottom) = _starts(picture.groups[0].path)[0], _starts(picture.groups[1].path)[0]
    assert top < bottom


@pytest.mark.parametrize(("own", "anchor"), [((-1.0, 0.0), "start"), ((1.0, 0.0), "end")], ids=["left", "right"])
def test_you_is_ringed_at_the_own_place_with_its_label_on_the_side_with_room(own, anchor):
    picture = room_picture(_room([(-1.0, 0.0), (-0.9, 0.1)], [(1.0, 0.0), (0.9, 0.1)]), own=own)
    x, y = picture.you
    label_x, _, side = picture.you_label
    assert side == anchor and math.copysign(1, label_x - x) == (1 if anchor == "start" else -1)
    # The ring is where that person's mark is.
    group = picture.groups[0 if own[0] < 0 else 1]
    to_centre = {"circle": (MARK, 0.0), "square": (MARK, MARK)}[group.shape]  # where each shape's path starts
    assert any(abs(mx + to_centre[0] - x) < 0.2 and abs(my + to_centre[1] - y) < 0.2 for mx, my in _starts(group.path))


def test_people_who_voted_alike_each_show_as_a_mark_round_their_shared_spot_and_you_ring_them():
    same = [(0.5, 0.0)] * 6
    picture = room_picture(_room(same, [(-1.0, 0.0), (-0.9, 0.0)]), own=(0.5, 0.0))
    centres = [(x + MARK, y) for x, y in _starts(picture.groups[0].path)]  # circles: the path starts at the left edge
    assert len(set(centres)) == 6  # six distinct marks, not one
    x, y = picture.you
    distances = [math.dist(c, (x, y)) for c in centres]
    # Close round the spot, and the ring round "You" encloses them all.
    assert max(distances) < 4 * MARK and picture.ring > max(distances) + MARK
    assert picture.you_label[0] - x == pytest.approx(picture.ring + 3, abs=0.1)
