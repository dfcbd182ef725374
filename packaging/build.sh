#!/usr/bin/env bash
# Build the PyInstaller one-folder app (packaging/bespoke-gui.spec) and smoke-test the frozen app.
#
#   packaging/build.sh            # build into dist/bespoke-gui/ and test it
#   SKIP_BUILD=1 packaging/build.sh   # only test an existing dist/bespoke-gui/
#
# PyInstaller lives in a scratch venv (build/pyinstaller-venv, or $BUILD_VENV), never in the
# project's dependencies. The app is built from the wheel installed into that venv, so the
# frozen app holds exactly what the wheel holds. Everything it writes is under build/ and dist/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
VENV="${BUILD_VENV:-$ROOT/build/pyinstaller-venv}"
PYTHON="${PYTHON:-python3}"
APP_DIR="$ROOT/dist/bespoke-gui"
log() { printf '== %s\n' "$*"; }
seconds() { date +%s.%N; }

if [ -z "${SKIP_BUILD:-}" ]; then
    started=$(seconds)
    if [ ! -x "$VENV/bin/python" ]; then
        log "scratch venv $VENV"
        "$PYTHON" -m venv "$VENV"
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
    fi
    "$VENV/bin/python" -m pip install --quiet pyinstaller build
    log "wheel (sdist first, the wheel from it)"
    rm -rf build/wheel
    "$VENV/bin/python" -m build --quiet --outdir build/wheel . >/dev/null
    "$VENV/bin/python" -m pip install --quiet --force-reinstall build/wheel/*.whl
    log "pyinstaller"
    frozen_started=$(seconds)
    # From build/: the checkout must not shadow the installed package.
    (cd build && "$VENV/bin/pyinstaller" --noconfirm --log-level WARN \
        --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" "$ROOT/packaging/bespoke-gui.spec")
    ended=$(seconds)
    printf 'build: %.0f s in all, %.0f s of it PyInstaller\n' \
        "$(echo "$ended - $started" | bc)" "$(echo "$ended - $frozen_started" | bc)"
fi

EXE="$APP_DIR/bespoke-gui"
[ -x "$EXE" ] || { echo "error: no frozen app at $EXE (build first)"; exit 1; }
log "smoke test of $EXE"
SMOKE="$(mktemp -d)"
trap 'rm -rf "$SMOKE"' EXIT
cd "$SMOKE"   # not the checkout: the frozen app must need nothing from it
export QT_QPA_PLATFORM=offscreen

check() {  # check NAME EXPECTED_EXIT_CODES COMMAND...: run it, keep its output, fail loudly
    local name="$1" codes="$2"; shift 2
    local started rc=0; started=$(seconds)
    "$@" >"$SMOKE/$name.out" 2>"$SMOKE/$name.err" || rc=$?
    if ! grep -qw -- "$rc" <<<"$codes" || grep -q Traceback "$SMOKE/$name.err"; then
        echo "FAIL $name (exit $rc):"; tail -20 "$SMOKE/$name.err"; exit 1
    fi
    printf 'ok   %-22s exit %s  %.2f s\n' "$name" "$rc" "$(echo "$(seconds) - $started" | bc)"
}

check version 0 "$EXE" --version
grep -q "^bespoke-gui " "$SMOKE/version.out"
check demo 0 "$EXE" demo "$SMOKE/ws"
check scan 0 "$EXE" scan "$SMOKE/ws/training_data"
grep -q "48" "$SMOKE/scan.out"
# The demo captions carry mistakes on purpose: lint finds them and exits 1.
check lint 1 "$EXE" lint "$SMOKE/ws"
grep -qi "token" "$SMOKE/lint.out"
check config-check 0 "$EXE" config-check "$SMOKE/ws/training_config.toml" --workspace "$SMOKE/ws"
# Two worker processes: the frozen executable re-runs itself for each.
check analyze 0 "$EXE" analyze --workers 2 --json "$SMOKE/ws/samples"
"$VENV/bin/python" -c "import json,sys; rows=json.load(open(sys.argv[1])); assert len(rows) >= 50, len(rows)" \
    "$SMOKE/analyze.out"
for tab in Captions Dataset Config Epochs; do
    check "screenshot-$tab" 0 "$EXE" screenshot --workspace "$SMOKE/ws" --tab "$tab" --out "$SMOKE/$tab.png"
    "$VENV/bin/python" -c "
import sys; from PIL import Image
image = Image.open(sys.argv[1]); assert image.size == (1400, 900), image.size
assert len(image.getcolors(1 << 20) or []) > 50, 'a blank screenshot'" "$SMOKE/$tab.png"
done
# No display and no QT_QPA_PLATFORM: one line, exit 1 (not Qt's abort).
check no-display 1 env -u QT_QPA_PLATFORM -u DISPLAY -u WAYLAND_DISPLAY "$APP_DIR/bespoke-gui-window" --demo
grep -q "no display" "$SMOKE/no-display.err"

# Start-up: the best of three `--version` runs (the interpreter and the CLI, no Qt).
best=""
for _ in 1 2 3; do
    started=$(seconds); "$EXE" --version >/dev/null; took=$(echo "$(seconds) - $started" | bc)
    if [ -z "$best" ] || [ "$(echo "$took < $best" | bc)" = 1 ]; then best=$took; fi
done
printf 'frozen start-up (--version, best of 3): %.2f s\n' "$best"
printf 'size: %s on disk; ' "$(du -sh "$APP_DIR" | cut -f1)"
tar -czf "$SMOKE/app.tar.gz" -C "$ROOT/dist" bespoke-gui
printf '%s as .tar.gz\n' "$(du -h "$SMOKE/app.tar.gz" | cut -f1)"
printf 'glibc floor of this build: %s (the build machine'"'"'s)\n' "$(ldd --version 2>/dev/null | head -1 | grep -o '[0-9.]*$' || echo n/a)"
log "smoke test passed"
