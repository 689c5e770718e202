"""lpip: evidence mapping, stakeholder workshops and synthesis for Local Policy Innovation Partnerships."""

from lpip.config import Settings, load_settings
from lpip.errors import LpipError

__all__ = ["LpipError", "Settings", "load_settings", "__version__"]


def __getattr__(name: str):
    # The version is read from the installed package's metadata on first use only:
    # importlib.metadata takes longer to import than the rest of `lpip --version`.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("lpip")
        except PackageNotFoundError:  # running from a source tree that is not installed
            value = "0.0.0"
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module 'lpip' has no attribute {name!r}")
