"""The README's main job runs on the bundled data and prints its table."""

from __future__ import annotations

from tsmem.cli import main


def test_demo_backtests_every_model_and_writes_plots(tmp_path, capsys):
    main(["demo", "--windows", "2", "--plots", str(tmp_path)])
    out = capsys.readouterr().out
    for name in ("MemNet", "SeasonalNaive", "Naive2", "Drift"):
        assert name in out
    assert "mase" in out
    assert (tmp_path / "forecast.png").stat().st_size > 0 and (tmp_path / "attention.png").stat().st_size > 0


def test_overview_help_lists_the_demo(capsys):
    main(["--help"])
    assert "demo" in capsys.readouterr().out
