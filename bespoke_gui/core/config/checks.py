"""Checks of an sd-scripts config: against what sd-scripts knows, and against the workspace.

Against sd-scripts (no files read):
* keys it does not know (a ``--config_file`` key it ignores without a word; a
  ``--dataset_config`` key it refuses);
* the same key in two sections (the later one wins, the earlier line does nothing);
* wrong types (values from a TOML reach sd-scripts unconverted: ``resolution = 512`` in a
  training config breaks ``resolution.split(",")``; a dataset config wants an integer or
  ``[W, H]``);
* values out of range (resolution not a multiple of 64, ``min_bucket_reso`` above
  ``max_bucket_reso``, ...).

Against the workspace (reads image headers and captions, so it runs as a job):
``resolution`` vs the images' real size, ``caption_extension`` vs the caption files,
``keep_tokens`` vs the captions' first phrases, ``max_token_length`` vs the longest caption
in CLIP tokens, ``train_data_dir``, ``output_name``, ``sample_every_n_epochs`` and
``sample_prompts`` (does every prompt fix a seed with ``--d``).
"""

from __future__ import annotations

from pathlib import Path

from bespoke_gui.core.config.check_report import TRAINING, CheckReport, FindingCollector, config_kind
from bespoke_gui.core.config.document import ConfigDocument, load_config
from bespoke_gui.core.config.errors import ConfigError, TomlSyntaxError
from bespoke_gui.core.config.key_paths import format_key_path
from bespoke_gui.core.config.key_scan import scan_keys
from bespoke_gui.core.config.section_checks import check_dataset, check_training
from bespoke_gui.core.config.workspace_checks import check_samples, check_workspace
from bespoke_gui.core.findings import Finding, Severity
from bespoke_gui.core.jobs import CancelFn, ProgressFn, never_cancelled, no_progress
from bespoke_gui.core.workspace import Workspace

# ---------------------------------------------------------------- entry points


def _sort(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.severity.rank, f.line or 10**9, f.key))


def check_config(
    cfg: ConfigDocument,
    workspace: Workspace | None = None,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
    unchanged_since_load: bool = False,
) -> CheckReport:
    """All checks of an open config (a job: the workspace part reads files).

    ``unchanged_since_load``: the document is as it was read, so its key lines come from the
    text read rather than from tomlkit rendering it again (quadratic in the number of keys:
    most of the 95 s an 11 MB TOML took).
    """
    data = cfg.data()
    out = FindingCollector(scan_keys(cfg.original_text).lines if unchanged_since_load else cfg.key_lines())
    kind = config_kind(data)
    config_dir = cfg.path.parent if cfg.path else None
    if kind == TRAINING:
        flat = check_training(data, out)
        view = {name: entry.value for name, entry in flat.items()}
        key_of = {
            name: format_key_path((e.section, name)) if e.section else format_key_path((name,))
            for name, e in flat.items()
        }
        if workspace is not None:
            check_workspace(view, key_of, workspace, config_dir, out, progress, cancelled)
        check_samples(view, key_of, workspace, config_dir, out)
    else:
        subsets = check_dataset(data, out)
        if workspace is not None and subsets:
            first = dict(subsets[0])
            key_of = first.pop("__keys__")
            check_workspace(first, key_of, workspace, config_dir, out, progress, cancelled)
    return CheckReport(cfg.path, kind, _sort(out.findings))


def check_file(
    path: str | Path,
    workspace: Workspace | None = None,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> CheckReport:
    """Load and check; a file that cannot be loaded is one error finding (with line when known)."""
    path = Path(path)

    def without_path(exc: Exception) -> str:
        # The report names the file; its message must not name it a second time.
        text = str(exc)
        return text[len(f"{path}: ") :] if text.startswith(f"{path}: ") else text

    try:
        cfg = load_config(path)
    except TomlSyntaxError as exc:
        return CheckReport(
            path, TRAINING, [Finding.at_key(Severity.ERROR, "", without_path(exc), exc.line, "toml")]
        )
    except ConfigError as exc:
        return CheckReport(
            path, TRAINING, [Finding.at_key(Severity.ERROR, "", without_path(exc), None, "load")]
        )
    return check_config(cfg, workspace, progress, cancelled, unchanged_since_load=True)
