"""What every figure the Epochs tab shows means: one text, plain data, for every place that says it.

The Help menu's "What the numbers mean" dialog, the tooltips of the Epochs metrics table,
``bespoke-gui definitions`` and the README section all show these definitions, so they
cannot drift apart (tests tie the tooltips and the README to this module). The numbers in
the texts come from the code that computes the figures (``core.epochs.metrics`` and
``core.epochs.strays``), so a changed limit changes its definition too.

    for d in DEFINITIONS: d.key, d.name, d.text
    definition("strays").text
    definitions_markdown()     # the README section's body
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from bespoke_gui.core.epochs.metrics import StraySettings, Targets
from bespoke_gui.core.epochs.palette import MERGE_FLOOR
from bespoke_gui.core.epochs.strays import (
    BACKGROUND_MIN_BORDER_SHARE,
    NEAR_DUPLICATE_MIN,
    NEAR_DUPLICATE_REACH,
    ODD_COLOUR_APART,
    ODD_COLOUR_CELLS,
    SAME_SHADE,
    STRAY_AT,
)


@dataclass(frozen=True)
class Definition:
    key: str  # stable id ("unique_colours")
    name: str  # as the tab labels it
    text: str  # the definition, one paragraph of plain text


_SETTINGS = StraySettings()
_TARGETS = Targets()

DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "run",
        "Run",
        "The training run the samples belong to: one per sample folder (or per output name in "
        "sd-scripts' flat sample/ folder).",
    ),
    Definition(
        "epoch",
        "Epoch",
        "The epoch the samples were drawn at (or the step, when sd-scripts named them by step), read "
        "from the file or folder name.",
    ),
    Definition(
        "images",
        "Images",
        'How many sample images of this run and epoch were analysed; "(+N bad)" counts the files '
        "that could not be read (listed under Messages).",
    ),
    Definition(
        "unique_colours",
        "Unique colours",
        "Distinct colours of the plain nearest-neighbour downscale of the sample to the art's size "
        "(24x24: one source pixel per cell, the way Pillow's NEAREST resize picks it, as the training "
        "plan measured). It counts noise and colour drift as colours, so it falls as an epoch draws "
        "cleaner; it is not the art's palette. In the table: the average over the epoch's images, "
        f"checked against the targets (default: pass below {_TARGETS.unique_colors_target:g}, "
        f"acceptable below {_TARGETS.unique_colors_minimum:g}, else fail).",
    ),
    Definition(
        "palette",
        "Palette",
        "Colours of the recovered 24x24 art. A clean block upscale comes back pixel for pixel and its "
        "palette is its own colours. Otherwise each cell's colour is measured from its inner part (the "
        "blurred rims skipped), and cell colours that the image's own measured colour drift cannot tell "
        "apart are merged into one intended colour; a colour held by few cells must stand further apart "
        f"to count as its own (colours closer than {MERGE_FLOOR:g} RGB are always one). In the table: the "
        "average over the epoch's images.",
    ),
    Definition(
        "strays",
        "Strays",
        "Pixels of the recovered art that the one stray decision (core.epochs.strays) calls strays. A "
        "pixel is only considered when none of its 8 neighbours has its exact colour; its neighbours "
        f"form a flat region when they are all shades closer than {SAME_SHADE:g} RGB of one colour. A pixel "
        f"closer than {NEAR_DUPLICATE_MIN:g} RGB to the flat colour around it is a drawn shade, never a "
        "stray. It is a stray as a background speck (its neighbours are the background), a near-duplicate "
        f"shade (up to {NEAR_DUPLICATE_REACH:g} RGB off the flat colour around it), a lighter "
        "dot inside a flat region, an odd colour (on at most "
        f"{ODD_COLOUR_CELLS} cells, at least {ODD_COLOUR_APART:g} RGB from every other palette colour, "
        "with no twin in its row), or a dark speck (a darker dot inside a flat region in a colour on no "
        "other cell). Darker dots in a colour the art draws elsewhere too (eyes, noses, moles) and paired "
        "rare colours are kept. "
        f"Each pixel gets a confidence from 0 to 1; a stray has {STRAY_AT:g} or more. In the table: the "
        "average count per image.",
    ),
    Definition(
        "messy",
        "Messy",
        f"An image is messy when it has {_SETTINGS.messy_strays} or more strays, or its grid fit is "
        f"below {_SETTINGS.messy_grid_fit:g}. In the table: the share of the epoch's images that are "
        f"messy (default: pass below {_TARGETS.messy_share_target:.0%}, acceptable below "
        f"{_TARGETS.messy_share_minimum:.0%}, else fail).",
    ),
    Definition(
        "background_colours",
        "Background colours",
        "The background test. The background is the colour of most border cells of the recovered art, "
        f"when at least {BACKGROUND_MIN_BORDER_SHARE:.0%} of the border has it, and the region is its "
        "cells connected to the border. The figure is the number of distinct colours of the original "
        "sample's pixels inside those cells (the cell rims skipped: they are the figure's blurred edge): "
        "a clean flat background gives few, noise and drift many. In the table: the average over the "
        "images that have a background (default: pass below "
        f"{_TARGETS.background_colours_target:g}, acceptable below "
        f"{_TARGETS.background_colours_minimum:g}, else fail).",
    ),
    Definition(
        "grid_fit",
        "Grid fit",
        "How well the sample's colour edges sit on the fitted 24x24 grid lines, from 0 to 1: the share "
        "of all colour-change energy within 1 px of a grid line, rescaled so that randomly placed lines "
        'score 0 and a clean block upscale scores 1 (the lower of the two axes). "Exact upscale" means '
        "the sample was a clean block upscale and came back pixel for pixel.",
    ),
    Definition(
        "verdict",
        "Verdict",
        "Pass when every check (unique colours, background colours, messy share) passes, fail when any "
        "fails, acceptable otherwise; n/a when nothing could be measured.",
    ),
    Definition(
        "mark",
        "Mark",
        "★ best: the best epoch of each run: the most check points (pass 2, acceptable 1), then the "
        "fewest strays on average, then the fewest unique colours, then the later epoch. ✓ chosen: the "
        "epoch you marked for production.",
    ),
    Definition(
        "heatmap",
        "Stray heatmap",
        "Drawn over the recovered art: every pixel that is not a stray is dimmed (less the higher its "
        "stray confidence, so degrees of suspicion stay visible) and each stray "
        f"(confidence {STRAY_AT:g} or more) is ringed in yellow to red with its own colour undimmed. "
        "Hovering a pixel names the decision, its confidence and its reason.",
    ),
    Definition(
        "cleaned",
        "Cleaned art",
        "The recovered art with each stray replaced by the majority colour of its non-stray 8 "
        "neighbours (ties: the colour with more edge-sharing neighbours, then the first in reading "
        "order); a stray with no non-stray neighbour keeps its colour.",
    ),
)

_BY_KEY = {d.key: d for d in DEFINITIONS}


def definition(key: str) -> Definition:
    return _BY_KEY[key]


def definitions_markdown() -> str:
    """The definitions as a Markdown list (the Help dialog shows it; the README holds it verbatim)."""
    return "\n".join(f"- **{d.name}**: {d.text}" for d in DEFINITIONS) + "\n"


def definitions_text(width: int = 100) -> str:
    """Plain text for a terminal: each name, then its definition wrapped to ``width``."""
    blocks = [
        d.name + "\n" + textwrap.fill(d.text, width, initial_indent="  ", subsequent_indent="  ")
        for d in DEFINITIONS
    ]
    return "\n\n".join(blocks) + "\n"
