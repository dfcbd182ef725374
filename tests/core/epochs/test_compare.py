"""Run against run: pairs per prompt, signed deltas, the image and Markdown."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from bespoke_gui.core.demo.demo_workspace import write_demo_workspace
from bespoke_gui.core.epochs.analysis import AnalysisSettings, analyze_samples
from bespoke_gui.core.epochs.compare import (
    BETTER,
    SAME,
    WORSE,
    MetricDelta,
    compare_runs,
    comparison_markdown,
    pick_column,
    render_comparison,
    write_comparison,
)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("runs")
    a = write_demo_workspace(base / "run_512", count=2, epochs=3, prompts=3) / "samples"
    b = write_demo_workspace(base / "run_256", count=2, epochs=2, prompts=2) / "samples"
    return analyze_samples([a, b], AnalysisSettings(workers=2, processes=False))


def test_delta_sign_and_verdict() -> None:
    assert MetricDelta("avg_stray_pixels", "strays", 10.0, 4.0, True).verdict == BETTER
    assert MetricDelta("avg_stray_pixels", "strays", 4.0, 10.0, True).delta_text() == "+6.00"
    assert MetricDelta("avg_grid_fit", "fit", 0.9, 0.8, False).verdict == WORSE
    assert MetricDelta("x", "x", 1.0, 1.0, True).verdict == SAME
    assert MetricDelta("x", "x", None, 1.0, True).verdict is None
    assert MetricDelta("messy_share", "messy", 0.5, 0.25, True).delta_text() == "-25 pp"


def test_compare_pairs_every_prompt_of_either_run(result, tmp_path: Path) -> None:
    runs = result.runs
    assert runs == ["run_512", "run_256"]
    chosen = {"run_512": ("epoch", 2)}
    assert pick_column(result, "run_512", chosen) == ("epoch", 2)
    assert pick_column(result, "run_256", chosen) == result.best["run_256"].column
    comparison = compare_runs(result, "run_512", ("epoch", 2), "run_256", ("epoch", 2))
    assert [p.prompt for p in comparison.pairs] == ["00", "01", "02"]
    assert comparison.pairs[2].b is None and comparison.pairs[2].a is not None
    assert comparison.pairs[0].a.sample.column == ("epoch", 2)
    summary_a = result.summary("run_512", ("epoch", 2))
    summary_b = result.summary("run_256", ("epoch", 2))
    strays = next(d for d in comparison.deltas if d.name == "avg_stray_pixels")
    assert strays.delta == pytest.approx(summary_b.avg_stray_pixels - summary_a.avg_stray_pixels)
    image = render_comparison(comparison, scale=4)
    assert image.width >= 2 * 24 * 4 and image.height > 3 * 24 * 4
    text = comparison_markdown(comparison)
    assert "| stray pixels |" in text and "missing" in text
    files = write_comparison(comparison, tmp_path / "out", scale=4)
    assert Image.open(files.image).size == image.size
    assert files.markdown.read_text().startswith("# run_512 · ")
