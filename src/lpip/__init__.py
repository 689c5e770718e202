"""lpip: evidence mapping, stakeholder workshops and synthesis for Local Policy Innovation Partnerships."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lpip")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

from lpip.config import Settings, load_settings  # noqa: E402
from lpip.errors import LpipError  # noqa: E402

__all__ = ["LpipError", "Settings", "load_settings", "__version__"]
