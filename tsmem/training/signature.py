"""One definition per hyperparameter, read by the module, the estimator and the CLI.

The network's hyperparameters are the fields of :class:`tsmem.nn.MemNetConfig`;
the training options are the keyword arguments of ``MemNetModule.__init__``.
Rather than copying those lists into every entry point, each entry point is
given a *signature* built from them:

* ``MemNetModule(lookback=96, horizon=24, hops=3, learning_rate=1e-3, ...)``, so
  ``LightningCLI`` offers ``--model.hops 3``;
* ``MemNetForecaster(...)`` with the same names and defaults, so scikit-learn's
  ``get_params``/``clone`` and grid searches see them.

Both ``inspect.signature`` (used by scikit-learn) and jsonargparse (used by
LightningCLI) honour a function's ``__signature__``.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterable
from dataclasses import MISSING, fields

from tsmem.nn import MemNetConfig

KEYWORD = inspect.Parameter.KEYWORD_ONLY


def config_parameters(exclude: Iterable[str] = ()) -> list[inspect.Parameter]:
    """The fields of ``MemNetConfig`` as keyword-only parameters, with their types and defaults."""
    hints = typing.get_type_hints(MemNetConfig)
    skip = set(exclude)
    return [
        inspect.Parameter(
            f.name,
            KEYWORD,
            default=inspect.Parameter.empty if f.default is MISSING else f.default,
            annotation=hints[f.name],
        )
        for f in fields(MemNetConfig)
        if f.name not in skip
    ]


def keyword_parameters(function: Callable, exclude: Iterable[str] = ()) -> list[inspect.Parameter]:
    """The named parameters of ``function``'s signature as keyword-only ones (``self`` and ``**`` dropped)."""
    hints = typing.get_type_hints(function)
    skip = {"self", *exclude}
    return [
        p.replace(kind=KEYWORD, annotation=hints.get(p.name, p.annotation))
        for p in inspect.signature(function).parameters.values()
        if p.name not in skip and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    ]


def merge(*groups: Iterable[inspect.Parameter]) -> list[inspect.Parameter]:
    """Concatenate parameter lists; a name keeps its first definition (and default)."""
    seen: dict[str, inspect.Parameter] = {}
    for group in groups:
        for parameter in group:
            seen.setdefault(parameter.name, parameter)
    return list(seen.values())


def with_config_docs(doc: str) -> str:
    r"""``doc`` (numpy style, ending in its Parameters section) followed by ``MemNetConfig``'s parameter entries.

    jsonargparse reads option descriptions from the class docstring, so this is
    what puts "Number of attention hops" beside ``--model.hops`` in ``tsmem fit --help``.

    Examples
    --------
    >>> doc = with_config_docs("A module.\n\nParameters\n----------\nlearning_rate : float\n    Step size.")
    >>> "learning_rate : float" in doc and "hops : int, default 2" in doc
    True
    """
    config_doc = inspect.cleandoc(MemNetConfig.__doc__ or "")
    entries = config_doc.split("Parameters\n----------\n", 1)[1]
    return inspect.cleandoc(doc) + "\n" + entries + "\n"


def set_signature(function: Callable, parameters: Iterable[inspect.Parameter]) -> None:
    """Give ``function`` (an ``__init__``) the signature ``(self, *, <parameters>)``."""
    params = list(parameters)
    self_param = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    function.__signature__ = inspect.Signature([self_param, *params])


def bind(function: Callable, arguments: dict[str, object], owner: str) -> dict[str, object]:
    """Check ``arguments`` against ``function``'s signature and fill in defaults.

    Raises the ``TypeError`` Python would raise for an unknown or missing keyword.
    """
    signature = inspect.signature(function)
    known = set(signature.parameters) - {"self"}
    unknown = sorted(set(arguments) - known)
    if unknown:
        raise TypeError(
            f"{owner}() got unexpected keyword argument(s) {unknown}; valid ones: {sorted(known)}."
        )
    values = {}
    for name, parameter in signature.parameters.items():
        if name == "self":
            continue
        if name in arguments:
            values[name] = arguments[name]
        elif parameter.default is inspect.Parameter.empty:
            raise TypeError(f"{owner}() missing required keyword argument {name!r}.")
        else:
            values[name] = parameter.default
    return values
