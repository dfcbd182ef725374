"""kill -9 at random moments: every file stays whole (old or new), leftovers are ignored and
cleaned, and a half-made backup is never listed as a backup (issue 11)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bespoke_gui.core.dataset.backup import list_backups, list_incomplete_backups, verify_backup
from bespoke_gui.core.files import TEMP_PREFIX
from bespoke_gui.core.workspace import discover

REPO = Path(__file__).resolve().parents[2]
SIZE = 1 << 20

WRITER = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
from bespoke_gui.core.files import atomic_write_bytes
target = sys.argv[1]
print("ready", flush=True)
n = 0
while True:
    atomic_write_bytes(target, (b"a" if n % 2 else b"b") * {SIZE})
    n += 1
"""


def start(argv: list[str]) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs kill -9")
def test_kill_9_mid_write_leaves_the_file_whole_and_the_leftover_is_cleaned(tmp_path: Path) -> None:
    rng = random.Random(11)
    target = tmp_path / "my_run.toml"
    target.write_bytes(b"a" * SIZE)
    for _trial in range(6):
        proc = start([sys.executable, "-c", WRITER, str(target)])
        assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0.02, 0.25))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = target.read_bytes()
        assert data in (b"a" * SIZE, b"b" * SIZE)
    # A leftover .bespoke-tmp-*.toml is never the config...
    target.rename(tmp_path / "training_config.toml")
    (tmp_path / "training_config.toml").write_text('output_name = "x"\n')
    fake = tmp_path / f"{TEMP_PREFIX}left.toml"
    fake.write_text('output_name = "x"\ntrain_data_dir = "t"\nnetwork_module = "n"\n')
    os.utime(fake, (1000, 1000))
    assert discover(tmp_path).config_path == tmp_path / "training_config.toml"
    # ...and the next write in that folder by a new process removes every leftover.
    time.sleep(0.05)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            WRITER.replace("while True", "while n < 1"),
            str(tmp_path / "training_config.toml"),
        ],
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        capture_output=True,
        check=True,
    )
    assert done.returncode == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)] == []


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs kill -9")
def test_kill_9_mid_backup_never_leaves_a_listed_backup_that_does_not_verify(tmp_path: Path) -> None:
    rng = random.Random(5)
    ws = tmp_path / "ws"
    images = ws / "training_data"
    images.mkdir(parents=True)
    payload = os.urandom(200_000)
    for i in range(120):
        (images / f"img_{i:03d}.png").write_bytes(payload[i:] + payload[:i])
        (images / f"img_{i:03d}.txt").write_text(f"caption {i}")
    before = {p: p.read_bytes() for p in images.iterdir()}
    for _trial in range(5):
        proc = start([sys.executable, "-m", "bespoke_gui", "backup", str(ws)])
        time.sleep(rng.uniform(0.3, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert {p: p.read_bytes() for p in images.iterdir()} == before
    listed = list_backups(ws / "backups")
    for info in listed:
        assert verify_backup(info.path).ok
    everything = [p for p in (ws / "backups").iterdir()] if (ws / "backups").exists() else []
    incomplete = list_incomplete_backups(ws / "backups", now=time.time() + 3600)
    assert sorted(everything) == sorted([i.path for i in listed] + incomplete)
