"""Write packaging/bespoke-gui.png (256x256): a demo portrait, upscaled with nearest neighbour.

The icon is drawn by the app's own portrait generator, so it needs no artwork in the repo:
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


def main(out_dir: Path) -> int:
    portrait = draw_portrait(ICON_SEED, control_background="green", caption_mistakes=False)
    icon = Image.fromarray(upscale_nearest(portrait.pixels, 256))
    atomic_write_with(out_dir / "bespoke-gui.png", lambda handle: icon.save(handle, "PNG"))
    # Windows and macOS builds pick these up when present (see bespoke-gui.spec).
    atomic_write_with(
        out_dir / "bespoke-gui.ico", lambda handle: icon.save(handle, "ICO", sizes=[(s, s) for s in SIZES])
    )
    print(out_dir / "bespoke-gui.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent))
