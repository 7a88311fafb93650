"""The package's own exception types.

Every error a user can cause (a bad file, a missing column, an unknown customer)
raises a :class:`ShopLensError` subclass whose message says what to do. The CLI maps
them to exit code 2 and one readable line; the service maps them to a 4xx with a JSON
reason.
"""

from __future__ import annotations


class ShopLensError(Exception):
    """Base class of the errors a user can cause and fix."""


class InputError(ShopLensError):
    """A file, a format or an argument that ShopLens cannot use as given."""


class SchemaError(InputError):
    """Data whose columns do not fit the table it is meant for."""


class DependencyError(ShopLensError):
    """An optional extra, model or data package that is not installed."""


class WarehouseError(ShopLensError):
    """The warehouse cannot be opened or written."""


def require(module: str, extra: str) -> object:
    """Import ``module`` or raise a :class:`DependencyError` naming the extra to install.

    Examples
    --------
    >>> require("json", "core").__name__
    'json'
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise DependencyError(
            f"{module} is not installed; install it with: pip install 'shoplens[{extra}]'"
        ) from exc
