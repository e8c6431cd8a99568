"""An N-BEATS-style ensemble of memory networks in one call.

N-BEATS (Oreshkin et al., 2020) forecasts the median of many networks that differ
in lookback (2H to 7H), training loss (sMAPE, MASE, MAPE) and seed; the variety,
more than any one network, makes its accuracy. :func:`memnet_ensemble` builds the
same design from :class:`MemNetForecaster` members (also reachable as
:meth:`EnsembleForecaster.memnet`).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

from tsmem.estimators.ensemble import EnsembleForecaster
from tsmem.estimators.memnet import MemNetForecaster

#: Losses a member may train on (point losses; see :mod:`tsmem.training.losses`).
MEMBER_LOSSES = ("mae", "mse", "huber", "smape", "mase")
#: Set per member by the ensemble, so not accepted among ``memnet_params``.
_SET_PER_MEMBER = ("lookback", "horizon", "loss", "random_state", "verbose")


def memnet_ensemble(
    horizon: int,
    *,
    lookback_multiples: Sequence[int] = (2, 3, 5),
    losses: Sequence[str] = ("mae", "smape", "mase"),
    seeds: Sequence[int] = (0, 1, 2),
    time_budget: float | None = None,
    n_jobs: int | None = None,
    verbose: bool = True,
    **memnet_params: Any,
) -> EnsembleForecaster:
    """A median ensemble of memory networks over lookbacks × losses × seeds.

    Parameters
    ----------
    horizon : int
        Steps every member forecasts.
    lookback_multiples : sequence of int, default (2, 3, 5)
        Lookbacks as multiples of ``horizon`` (N-BEATS uses 2 to 7).
    losses : sequence of str, default ("mae", "smape", "mase")
        Training losses, from :data:`MEMBER_LOSSES`. sMAPE is computed on the
        model's scale, so its members get ``scaling="none"`` unless
        ``memnet_params`` sets ``scaling`` (RevIN still normalises each window):
        then it is the M4 metric itself. MASE is scale-free and keeps the default
        scaling.
    seeds : sequence of int, default (0, 1, 2)
        ``random_state`` of the members.
    time_budget : float or None
        Seconds for the whole fit; members that would start later are skipped with a
        warning (see :class:`EnsembleForecaster`). Members are ordered seed by seed,
        so the first ``len(lookback_multiples) * len(losses)`` cover every lookback
        and loss once.
    n_jobs : int or None
        Members trained in parallel with joblib.
    verbose : bool, default True
        A progress bar over the members on stderr; the members themselves are quiet.
    **memnet_params
        Every other :class:`MemNetForecaster` option (``max_epochs``, ``d_model``,
        ``window``, ``trainer_kwargs``...), the same for all members.

    Returns
    -------
    EnsembleForecaster
        Unfitted, ``aggregate="median"``, members named ``"L<k>H_<loss>_s<seed>"``.

    Examples
    --------
    >>> from tsmem.estimators import EnsembleForecaster
    >>> ensemble = EnsembleForecaster.memnet(horizon=12, seeds=(0,), max_epochs=5)
    >>> [name for name, _ in ensemble.estimators][:4]
    ['L2H_mae_s0', 'L3H_mae_s0', 'L5H_mae_s0', 'L2H_smape_s0']
    >>> ensemble.get_params()["L3H_mae_s0__lookback"]
    36
    """
    _check_options(horizon, lookback_multiples, losses, seeds, memnet_params)
    members = []
    for seed in seeds:
        for loss in losses:
            scaling = {"scaling": "none"} if loss == "smape" and "scaling" not in memnet_params else {}
            for multiple in lookback_multiples:
                model = MemNetForecaster(
                    lookback=multiple * horizon, horizon=horizon, loss=loss, random_state=seed, verbose=False,
                    **scaling, **memnet_params,
                )
                members.append((f"L{multiple}H_{loss}_s{seed}", model))
    return EnsembleForecaster(
        members, aggregate="median", horizon=horizon, time_budget=time_budget, n_jobs=n_jobs, verbose=verbose
    )


def _check_options(
    horizon: Any, multiples: Any, losses: Any, seeds: Any, memnet_params: dict[str, Any]
) -> None:
    def positive_int(value: Any) -> bool:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1

    if not positive_int(horizon):
        raise ValueError(f"horizon must be a positive integer, got {horizon!r}.")
    if isinstance(multiples, str | bytes) or not multiples or not all(positive_int(m) for m in multiples):
        raise ValueError(f"lookback_multiples must be positive integers, e.g. (2, 3, 5); got {multiples!r}.")
    if isinstance(losses, str) or not losses or any(loss not in MEMBER_LOSSES for loss in losses):
        raise ValueError(f"losses must be a sequence of names from {MEMBER_LOSSES}, got {losses!r}.")
    if len(seeds) == 0 or any(not isinstance(s, numbers.Integral) or isinstance(s, bool) for s in seeds):
        raise ValueError(f"seeds must be a non-empty sequence of integers, got {seeds!r}.")
    for name, group in (("lookback_multiples", multiples), ("losses", losses), ("seeds", seeds)):
        if len(set(group)) != len(group):
            raise ValueError(f"{name} has repeats {list(group)}: the members would be identical.")
    clash = sorted(set(memnet_params) & set(_SET_PER_MEMBER))
    if clash:
        raise ValueError(
            f"{clash} are set per member by the ensemble (lookback from lookback_multiples, loss from "
            "losses, random_state from seeds); drop them from the options."
        )
