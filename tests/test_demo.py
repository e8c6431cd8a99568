"""The README's main job runs on the bundled data and prints its table."""

from __future__ import annotations

import pytest

from tsmem.cli import main


def test_demo_backtests_every_model_and_writes_plots(tmp_path, capsys):
    main(["demo", "--windows", "2", "--plots", str(tmp_path)])
    out = capsys.readouterr().out
    for name in ("MemNet", "AutoARIMA+Fourier", "Theta", "SeasonalNaive", "Naive2", "Drift"):
        assert name in out
    assert "mase" in out
    assert (tmp_path / "forecast.png").stat().st_size > 0 and (tmp_path / "attention.png").stat().st_size > 0


def test_overview_help_lists_the_demo(capsys):
    main(["--help"])
    assert "demo" in capsys.readouterr().out


def test_a_backtest_the_data_cannot_hold_is_a_one_line_error(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["demo", "--dataset", "air_passengers", "--windows", "12"])
    assert stopped.value.code == 2
    assert "error: Series 'passengers' has 144 observations" in capsys.readouterr().err


def test_a_zero_horizon_is_refused_not_replaced_by_the_default(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["demo", "--horizon", "0"])
    assert stopped.value.code == 2
    assert "error: horizon must be an integer >= 1, got 0" in capsys.readouterr().err  # backtest's check
