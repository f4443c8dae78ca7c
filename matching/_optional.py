"""Optional extras (pandas, matplotlib, ...) imported only when a feature needs them."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require"]


def require(module: str, *, extra: str, feature: str) -> ModuleType:
    """Import ``module`` or fail with a message that names the extra to install.

    Raises
    ------
    ImportError
        ``"<feature> needs <module>: pip install 'bumdes-match[<extra>]'"``.

    Examples
    --------
    >>> require("json", extra="none", feature="this example").__name__
    'json'
    >>> require("no_such_module_xyz", extra="plot", feature="plot_map")
    Traceback (most recent call last):
    ...
    ImportError: plot_map needs no_such_module_xyz: pip install 'bumdes-match[plot]'
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{feature} needs {module.split('.')[0]}: "
                          f"pip install 'bumdes-match[{extra}]'") from None
