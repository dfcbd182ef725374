from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF

from bespoke_gui.ui.widgets.pixel_view import PixelView, array_to_qimage


def _art() -> np.ndarray:
    rng = np.random.default_rng(3)
    return rng.integers(0, 255, size=(24, 24, 3), dtype=np.uint8)


def test_array_to_qimage_keeps_every_pixel():
    art = _art()
    image = array_to_qimage(art)
    assert (image.width(), image.height()) == (24, 24)
    for x, y in [(0, 0), (23, 0), (5, 17), (23, 23)]:
        colour = image.pixelColor(x, y)
        assert (colour.red(), colour.green(), colour.blue()) == tuple(int(v) for v in art[y, x])


def test_render_is_nearest_neighbour_with_integer_zoom(qtbot):
    view = PixelView()
    qtbot.addWidget(view)
    view.resize(240, 240)
    art = _art()
    view.set_pixels(art)
    rect = view.image_rect()
    assert rect.width() == 240 and rect.height() == 240  # 10x whole-number zoom
    shot = view.grab().toImage()
    # Every screen pixel inside a block has the block's exact colour: no smoothing.
    for x, y in [(3, 4), (20, 9), (0, 23)]:
        for dx, dy in [(1, 1), (8, 8), (5, 2)]:
            c = shot.pixelColor(x * 10 + dx, y * 10 + dy)
            assert (c.red(), c.green(), c.blue()) == tuple(int(v) for v in art[y, x])


def test_hover_reports_source_pixel(qtbot):
    view = PixelView()
    qtbot.addWidget(view)
    view.resize(240, 240)
    view.set_pixels(_art())
    assert view.pixel_at(QPointF(125, 35)) == (12, 3)
    assert view.pixel_at(QPointF(-5, 5)) == (-1, -1)


def test_highlight_dims_other_pixels(qtbot):
    view = PixelView()
    qtbot.addWidget(view)
    view.resize(240, 240)
    art = np.full((24, 24, 3), 200, dtype=np.uint8)
    view.set_pixels(art)
    mask = np.zeros((24, 24), dtype=bool)
    mask[2, 2] = True
    view.set_highlight(mask)
    shot = view.grab().toImage()
    lit = shot.pixelColor(25, 25)
    dim = shot.pixelColor(105, 105)
    assert lit.red() == 200
    assert dim.red() < 100
