"""Write a planned training package as one zip, and check a package again.

``write_package(plan, out)`` writes the layout ``package`` describes under a temporary name
beside ``out`` and renames it only when complete, so a killed run leaves no partial ``.zip``.
``verify_package(zip)`` checks a package again (on the pod or after a download): every
member against SHA256SUMS and MANIFEST.json, no links, no paths outside ``<name>/``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shlex
import stat
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from bespoke_gui import __version__
from bespoke_gui.core.dataset.package import (
    CONFIG_NAME,
    DATA_DIRNAME,
    FORMAT,
    MANIFEST_NAME,
    REPEATS_DIR_RE,
    SCRIPT_NAME,
    SUMS_NAME,
    PackageError,
    PackagePlan,
    safe_arcname,
)
from bespoke_gui.core.files import TEMP_PREFIX, check_writable
from bespoke_gui.core.jobs import CancelFn, ProgressFn, never_cancelled, no_progress

_PART_SUFFIX = ".zip.part"


_READ_CHUNK = 1 << 20


@dataclass
class PackageResult:
    path: Path | None
    files: int = 0
    total_bytes: int = 0
    cancelled: bool = False


@dataclass
class VerifyReport:
    path: Path
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    name: str = ""
    images: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def train_script(plan: PackagePlan) -> str:
    """train.sh: check the files, then sd-scripts' own launch line for this config."""
    root = shlex.quote(plan.pod_root)
    config = shlex.quote(f"{plan.pod_root}/{CONFIG_NAME}")
    return f"""#!/usr/bin/env bash
# Written by Bespoke GUI {__version__} for the training package {plan.name}.
# Unzip so that this file is {plan.pod_root}/{SCRIPT_NAME} (the config's paths point there),
# then run: bash {plan.pod_root}/{SCRIPT_NAME}   (SD_SCRIPTS names the sd-scripts checkout)
set -euo pipefail
here="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
if [ "$here" != {root} ]; then
  echo "warning: the package is at $here but its config points at {plan.pod_root}" >&2
fi
(cd "$here" && sha256sum -c --quiet {SUMS_NAME})
SD_SCRIPTS="${{SD_SCRIPTS:-/workspace/sd-scripts}}"
cd "$SD_SCRIPTS"
accelerate launch --num_cpu_threads_per_process 1 train_network.py --config_file {config}
"""


def _zip_info(arcname: str, executable: bool = False) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(arcname, date_time=time.localtime()[:6])
    info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _add_bytes(archive: zipfile.ZipFile, arcname: str, data: bytes, executable: bool = False) -> str:
    archive.writestr(_zip_info(arcname, executable), data)
    return hashlib.sha256(data).hexdigest()


def _add_file(archive: zipfile.ZipFile, arcname: str, source: Path) -> tuple[str, int]:
    """Stream one file into the zip, hashing what was written (no second read)."""
    digest = hashlib.sha256()
    size = 0
    # PNGs are compressed already: storing them is as small and much faster.
    info = _zip_info(arcname)
    if source.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp", ".gif"):
        info.compress_type = zipfile.ZIP_STORED
    with open(source, "rb") as handle, archive.open(info, "w", force_zip64=True) as dest:
        while chunk := handle.read(_READ_CHUNK):
            digest.update(chunk)
            dest.write(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def write_package(
    plan: PackagePlan,
    out: str | Path,
    allow_errors: bool = False,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
    overwrite: bool = False,
) -> PackageResult:
    """Write the zip (temp name, then rename). Refuses when the pre-flight found errors,
    unless ``allow_errors``, and an existing file, unless ``overwrite``."""
    out = Path(out)
    if out.exists() and not out.is_dir() and not overwrite:
        raise PackageError(f"{out}: exists; choose another name or replace it (--overwrite)")
    if plan.cancelled:
        raise PackageError("the pre-flight was cancelled: plan the package again")
    if plan.preflight.has_errors and not allow_errors:
        raise PackageError(
            f"the pre-flight found {len(plan.preflight.errors)} errors; fix them or allow errors "
            "(--allow-errors) to package anyway"
        )
    if out.is_dir():
        raise PackageError(f"{out}: is a folder; name the .zip file to write")
    if not out.parent.is_dir():
        raise PackageError(f"{out.parent}: no such folder")
    if out.is_symlink():
        raise PackageError(f"{out}: is a link; name a plain file")
    base = plan.name
    try:
        check_writable(out)  # nor does --overwrite replace a file the user made read-only
    except PermissionError as exc:  # "folder is read-only" or "file is read-only"
        raise PackageError(f"{exc.filename}: the {exc.strerror}; nothing was written") from None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=_PART_SUFFIX, dir=out.parent)
    except OSError as exc:
        raise PackageError(f"{out.parent}: cannot write here ({exc.strerror or exc})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    sums: list[tuple[str, str]] = []
    records: list[dict[str, Any]] = []
    total = len(plan.files) + 4
    total_bytes = 0
    try:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as archive:
            progress(0, total, "writing the package")
            for index, item in enumerate(plan.files):
                if cancelled():
                    raise _Cancelled
                assert item.source is not None
                digest, size = _add_file(archive, f"{base}/{item.arcname}", item.source)
                sums.append((digest, item.arcname))
                records.append({"path": item.arcname, "size": size, "sha256": digest})
                total_bytes += size
                progress(index + 1, total, item.arcname)
            script = train_script(plan).encode("utf-8")
            for arcname, data, executable in (
                (CONFIG_NAME, plan.config_bytes, False),
                (SCRIPT_NAME, script, True),
            ):
                digest = _add_bytes(archive, f"{base}/{arcname}", data, executable)
                sums.append((digest, arcname))
                records.append({"path": arcname, "size": len(data), "sha256": digest})
                total_bytes += len(data)
            manifest = {
                "format": FORMAT,
                "name": plan.name,
                "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "app": f"bespoke-gui {__version__}",
                "source_workspace": str(plan.workspace.root),
                "source_config": str(plan.config_path),
                "pod_root": plan.pod_root,
                "train_data_dir": f"{plan.pod_root}/{DATA_DIRNAME}",
                "subset": plan.subset,
                "repeats": plan.repeats,
                "images": plan.images,
                "config_changes": [c.__dict__ for c in plan.changes],
                "preflight": plan.preflight.summary(),
                "errors_allowed": plan.preflight.errors if plan.preflight.has_errors else [],
                "files": sorted(records, key=lambda r: r["path"]),
            }
            data = (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
            sums.append((_add_bytes(archive, f"{base}/{MANIFEST_NAME}", data), MANIFEST_NAME))
            sums_text = "".join(f"{digest}  {name}\n" for digest, name in sorted(sums, key=lambda s: s[1]))
            _add_bytes(archive, f"{base}/{SUMS_NAME}", sums_text.encode("utf-8"))
            progress(total - 1, total, "finishing")
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        if cancelled():
            raise _Cancelled
        # mkstemp makes 0600; a package is an ordinary file to share.
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except _Cancelled:
        _remove(tmp)
        return PackageResult(None, cancelled=True)
    except OSError as exc:
        _remove(tmp)
        raise PackageError(f"{out}: cannot write the package ({exc.strerror or exc})") from None
    except BaseException:
        _remove(tmp)
        raise
    progress(total, total, "package written")
    return PackageResult(out, files=len(sums) + 1, total_bytes=total_bytes)


class _Cancelled(Exception):
    pass


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _member_is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def verify_package(
    path: str | Path, progress: ProgressFn = no_progress, cancelled: CancelFn = never_cancelled
) -> VerifyReport:
    """Check a package: safe names, no links, every file against SHA256SUMS and the manifest,
    the config's train_data_dir holding captioned images."""
    path = Path(path)
    report = VerifyReport(path)
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.problems.append(f"not a readable zip ({exc})")
        return report
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        tops = {PurePosixPath(m.filename).parts[0] for m in archive.infolist() if m.filename}
        if len(tops) != 1:
            report.problems.append(f"expected one package folder at the top, found {len(tops)}")
            return report
        base = report.name = tops.pop()
        by_name: dict[str, zipfile.ZipInfo] = {}
        for member in members:
            try:
                relative = safe_arcname(member.filename)
            except PackageError as exc:
                report.problems.append(str(exc))
                continue
            if _member_is_link(member):
                report.problems.append(f"{member.filename}: a link (packages hold plain files only)")
                continue
            by_name[relative.split("/", 1)[1] if "/" in relative else relative] = member
        if SUMS_NAME not in by_name:
            report.problems.append(f"no {SUMS_NAME}")
            return report
        listed: dict[str, str] = {}
        for line in archive.read(by_name[SUMS_NAME]).decode("utf-8", "replace").splitlines():
            digest, sep, name = line.partition("  ")
            if not sep or not re.fullmatch(r"[0-9a-f]{64}", digest):
                report.problems.append(f"{SUMS_NAME}: a line sha256sum cannot read: {line[:80]}")
                continue
            listed[name] = digest
        manifest: dict[str, Any] = {}
        if MANIFEST_NAME in by_name:
            try:
                manifest = json.loads(archive.read(by_name[MANIFEST_NAME]))
            except ValueError:
                report.problems.append(f"{MANIFEST_NAME}: not valid JSON")
        else:
            report.problems.append(f"no {MANIFEST_NAME}")
        sizes = {r.get("path"): r for r in manifest.get("files", []) if isinstance(r, dict)}
        total = len(listed)
        for index, (name, digest) in enumerate(sorted(listed.items())):
            if cancelled():
                report.problems.append("cancelled before every file was checked")
                return report
            listed_member = by_name.get(name)
            if listed_member is None:
                report.problems.append(f"{name}: listed in {SUMS_NAME} but missing")
                continue
            member = listed_member
            hasher = hashlib.sha256()
            size = 0
            with archive.open(member) as handle:
                while chunk := handle.read(_READ_CHUNK):
                    hasher.update(chunk)
                    size += len(chunk)
            if hasher.hexdigest() != digest:
                report.problems.append(f"{name}: SHA-256 differs from {SUMS_NAME}")
            record = sizes.get(name)
            if name != MANIFEST_NAME and (
                record is None or record.get("sha256") != digest or record.get("size") != size
            ):
                report.problems.append(f"{name}: not as {MANIFEST_NAME} records it")
            report.checked += 1
            progress(index + 1, total, name)
        for name in sorted(set(by_name) - set(listed) - {SUMS_NAME}):
            report.problems.append(f"{name}: in the zip but not in {SUMS_NAME}")
        _verify_layout(archive, by_name, base, manifest, report)
    return report


def _verify_layout(
    archive: zipfile.ZipFile,
    by_name: dict[str, zipfile.ZipInfo],
    base: str,
    manifest: dict[str, Any],
    report: VerifyReport,
) -> None:
    """The config's train_data_dir must hold <repeats>_<name> folders of captioned images."""
    if CONFIG_NAME not in by_name:
        report.problems.append(f"no {CONFIG_NAME}")
        return
    import tomllib

    from bespoke_gui.core.config.sdscripts_args import find_key
    from bespoke_gui.core.workspace import IMAGE_EXTENSIONS

    try:
        data = tomllib.loads(archive.read(by_name[CONFIG_NAME]).decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        report.problems.append(f"{CONFIG_NAME}: not valid TOML ({exc})")
        return
    pod_root = manifest.get("pod_root")
    data_dir = find_key(data, "train_data_dir")
    if isinstance(pod_root, str) and data_dir != f"{pod_root}/{DATA_DIRNAME}":
        report.problems.append(
            f"{CONFIG_NAME}: train_data_dir is {data_dir!r}, not {pod_root}/{DATA_DIRNAME}"
        )
    extension = str(find_key(data, "caption_extension") or ".caption")
    extension = extension if extension.startswith(".") else "." + extension
    images = 0
    folders: set[str] = set()
    names = set(by_name)
    for name in names:
        parts = PurePosixPath(name).parts
        if len(parts) != 3 or parts[0] != DATA_DIRNAME:
            continue
        if PurePosixPath(name).suffix.lower() not in IMAGE_EXTENSIONS:
            continue
        folders.add(parts[1])
        if not REPEATS_DIR_RE.match(parts[1]) or int(parts[1].split("_")[0]) < 1:
            report.problems.append(f"{name}: in a folder sd-scripts skips (not <repeats>_<name>)")
            continue
        images += 1
        caption = str(PurePosixPath(name).with_suffix(extension))
        if caption not in names:
            report.problems.append(f"{name}: no {extension} caption")
    report.images = images
    if images == 0:
        report.problems.append(f"{DATA_DIRNAME}/ holds no images sd-scripts would read")
