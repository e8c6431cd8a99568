"""The README's Python examples run, in order, as a user would paste them."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_examples_run(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples save files
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README should show Python examples"
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - our own README
    assert "passengers_q0.9" in capsys.readouterr().out


def test_readme_quickstart_is_two_make_commands():
    quickstart = README.read_text().split("## Quickstart", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^make (\w+)", quickstart, flags=re.M)
    assert commands == ["demo", "test"]
    makefile = (README.parent / "Makefile").read_text()
    assert "\ndemo:" in makefile and "\ntest:" in makefile


def test_readme_demo_block_is_the_demos_output():
    """The block is written by experiments/readme_demo.py from a real run: every demo model, aligned."""
    from tsmem.demo import demo_models

    text = README.read_text()
    block = text.split("<!-- readme_demo:start -->", 1)[1].split("<!-- readme_demo:end -->", 1)[0]
    output = re.search(r"```\n(.*?)```", block, flags=re.S).group(1)
    names = list(demo_models(season_length=365, horizon=14))
    lines = [line for line in output.splitlines() if re.match(r"^  \S+\s+MAE ", line)]
    assert [line.split()[0] for line in lines] == names
    assert len({line.index(" MAE ") for line in lines}) == 1  # one column, whatever the label
    header = next(line for line in output.splitlines() if "seconds" in line)
    assert header.split() == ["mae", "rmse", "smape", "mase", "seconds"]
    table = {line.split()[0]: line.split() for line in output.splitlines()[output.splitlines().index(header) + 1 :]
             if line.split() and line.split()[0] in names}  # fmt: skip
    assert sorted(table) == sorted(names)
    assert re.search(r"`tsmem demo` took \d+ s here", block)


def test_readme_timings_are_written_by_the_script():
    block = README.read_text().split("<!-- readme_timings:start -->", 1)[1].split("<!-- readme_timings:end -->")[0]
    assert block.startswith("\n| job | time |")
    assert "`make demo`, once set up" in block and "Measured once each by `python experiments/readme_demo.py`" in block
