"""WCAG AA contrast of lpip.css, computed from the stylesheet's own colours: text at least 4.5:1
against its background, the focus ring and control edges (non-text) at least 3:1 against the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "src" / "lpip" / "web" / "static" / "css" / "lpip.css"
TEXT, NON_TEXT = 4.5, 3.0


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of #rgb or #rrggbb."""
    hexes = colour.lstrip("#")
    if len(hexes) == 3:
        hexes = "".join(c * 2 for c in hexes)
    channels = [int(hexes[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula_gives_the_known_ratios():
    assert contrast("#000", "#fff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the classic AA grey
    assert contrast("#ffbf47", "#ffffff") < 1.7  # the old focus ring: 1.6:1


@pytest.fixture(scope="module")
def rules() -> dict[str, dict[str, str]]:
    """Selector -> declarations, with var(--x) resolved from :root (comments dropped)."""
    text = re.sub(r"/\*.*?\*/", "", CSS.read_text(encoding="utf-8"), flags=re.S)
    text = re.sub(r"@media[^{]*\{((?:[^{}]*\{[^}]*\})*)\s*\}", "", text)
    found: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", text):
        declarations = dict((k.strip(), v.strip()) for k, v in
                            (d.split(":", 1) for d in body.split(";") if ":" in d))
        for selector in selectors.split(","):
            found.setdefault(selector.strip(), {}).update(declarations)
    variables = {k: v for k, v in found[":root"].items() if k.startswith("--")}

    def resolve(value: str) -> str:
        return re.sub(r"var\((--[\w-]+)\)", lambda m: variables[m.group(1)], value)

    return {selector: {k: resolve(v) for k, v in body.items()} for selector, body in found.items()}


def colour_in(value: str) -> str:
    found = re.search(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b", value)
    assert found, f"no colour in {value!r}"
    return found.group(0)


def test_the_focus_ring_stands_out_from_the_page_and_every_control(rules):
    page = rules[":root"]["--paper"]
    for element in ("a:focus", "button:focus", "input:focus", "textarea:focus", "select:focus"):
        outline = rules[element]["outline"]
        assert float(re.search(r"([\d.]+)px", outline).group(1)) >= 2
        assert contrast(colour_in(outline), page) >= NON_TEXT, element
    # The ring is drawn outside the control (offset), on the page; the demo banner is a page too.
    assert float(re.search(r"([\d.]+)px", rules["button:focus"]["outline-offset"]).group(1)) >= 1
    banner = colour_in(rules[".demo-banner"]["background"])
    assert contrast(colour_in(rules["button:focus"]["outline"]), banner) >= NON_TEXT


def test_secondary_buttons_have_a_visible_edge_and_readable_text(rules):
    page = rules[":root"]["--paper"]
    secondary = rules["button.secondary"]
    background = colour_in(secondary["background"])
    edge = colour_in(secondary["border"])
    assert contrast(edge, page) >= NON_TEXT
    assert contrast(edge, background) >= NON_TEXT
    assert contrast(colour_in(secondary["color"]), background) >= TEXT


def test_text_colours_meet_aa_on_their_backgrounds(rules):
    root = rules[":root"]
    page = root["--paper"]
    pairs = {
        "body text": (root["--ink"], page),
        "links": (colour_in(rules["a"]["color"]), page),
        "muted text": (root["--muted"], page),
        "errors": (root["--warn"], page),
        "ok": (root["--ok"], page),
        "primary button": (colour_in(rules["button"]["color"]), colour_in(rules["button"]["background"])),
        "danger button": (colour_in(rules["button"]["color"]), colour_in(rules["button.danger"]["background"])),
        "link button": (colour_in(rules["button.link"]["color"]), page),
        "demo banner": (root["--demo"], colour_in(rules[".demo-banner"]["background"])),
    }
    low = {name: round(contrast(a, b), 2) for name, (a, b) in pairs.items() if contrast(a, b) < TEXT}
    assert not low, f"below 4.5:1: {low}"


def test_form_controls_have_edges_at_three_to_one(rules):
    page = rules[":root"]["--paper"]
    border = rules["input:not([type=checkbox]):not([type=radio])"]["border"]
    assert contrast(colour_in(border), page) >= NON_TEXT


def test_the_room_maps_group_colours_are_readable_letters_on_its_white_frame(rules):
    from lpip.reports.room_picture import STYLES

    frame = colour_in(rules[".room-picture .frame"]["fill"])
    colours = [colour_in(rules[f".room-picture .group-{i}"]["fill"]) for i in range(STYLES)]
    assert len(set(colours)) == STYLES
    low = {c: round(contrast(c, frame), 2) for c in colours if contrast(c, frame) < TEXT}
    assert low == {}, f"group colours under {TEXT}:1 on the frame: {low}"
    assert contrast(colour_in(rules[".room-picture .frame"]["stroke"]), frame) >= NON_TEXT
