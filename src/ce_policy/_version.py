"""The installed version of ce_policy."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ce-policy")
except PackageNotFoundError:  # pragma: no cover - running from a source tree that is not installed
    __version__ = "0+unknown"
