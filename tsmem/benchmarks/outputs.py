"""Where the benchmark runner and the scripts under ``experiments/`` write their results.

Full runs write to the tracked ``experiments/results/``: those files are the
measurements the README quotes. ``--quick`` smoke runs write to the git-ignored
``runs/experiments/`` instead, so they never leave untracked files beside the
results (nor overwrite them). ``--results DIR`` overrides both.
"""

from __future__ import annotations

import os
from pathlib import Path

TRACKED_RESULTS = Path("experiments") / "results"
SCRATCH_RESULTS = Path("runs") / "experiments"


def results_dir(
    requested: str | os.PathLike[str] | None, quick: bool, root: str | os.PathLike[str] = ""
) -> Path:
    """The folder a run writes to: ``requested`` if given, else tracked or scratch.

    Parameters
    ----------
    requested : str or path-like, optional
        The ``--results`` argument; used as given when not ``None``.
    quick : bool
        Whether this is a ``--quick`` smoke run (written to the scratch folder).
    root : str or path-like, default ""
        The repository root the defaults are relative to; the empty default
        means the working directory (where ``tsmem benchmark`` runs).

    Returns
    -------
    pathlib.Path
        Not created here: the caller makes it when it writes.

    Examples
    --------
    >>> results_dir(None, quick=True).as_posix()
    'runs/experiments'
    >>> results_dir(None, quick=False).as_posix()
    'experiments/results'
    >>> results_dir("elsewhere", quick=True).as_posix()
    'elsewhere'
    """
    if requested is not None:
        return Path(requested)
    return Path(root) / (SCRATCH_RESULTS if quick else TRACKED_RESULTS)
