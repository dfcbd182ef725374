"""Draw the app icon: resources/bespoke-gui.png (256x256; the window and the Linux launcher use
it) and, beside this script, bespoke-gui.ico (Windows) and bespoke-gui.icns (macOS).

A demo portrait from the app's own generator, upscaled with nearest neighbour, so the repo
needs no artwork:
    python packaging/make_icon.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

from bespoke_gui.core.demo.degrade import upscale_nearest
from bespoke_gui.core.demo.portraits import draw_portrait
from bespoke_gui.core.files import atomic_write_with

ICON_SEED = 2
SIZES = (16, 32, 48, 64, 128, 256)


ROOT = Path(__file__).resolve().parents[1]


def main(out_dir: Path, resources: Path) -> int:
    portrait = draw_portrait(ICON_SEED, control_background="green", caption_mistakes=False)
    icon = Image.fromarray(upscale_nearest(portrait.pixels, 256))
    atomic_write_with(resources / "bespoke-gui.png", lambda handle: icon.save(handle, "PNG"))
    # Windows and macOS builds use these (see bespoke-gui.spec).
    atomic_write_with(
        out_dir / "bespoke-gui.ico", lambda handle: icon.save(handle, "ICO", sizes=[(s, s) for s in SIZES])
    )
    # ICNS holds sizes up to 1024: Pillow scales down from this one, so start sharp at 1024.
    large = Image.fromarray(upscale_nearest(portrait.pixels, 1024))
    atomic_write_with(out_dir / "bespoke-gui.icns", lambda handle: large.save(handle, "ICNS"))
    print(resources / "bespoke-gui.png")
    return 0


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "packaging"
    raise SystemExit(main(out, out if len(sys.argv) > 1 else ROOT / "resources"))
