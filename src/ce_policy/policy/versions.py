"""Which versions of a layer a layer extending it was written against: ``extends: {id, version}``.

A version is ``MAJOR.MINOR.PATCH``. What ``extends`` pins may be:

* an exact version, ``1.1.0``: only that version;
* a caret range, ``^1.1`` (or ``^1.1.0``): that version and every later one with the same major number (for
  ``^0.y``, the same minor number), so a base layer's minor and patch releases keep its extensions loading and a
  major release stops them until someone has looked (SemVer);
* a tilde range, ``~1.1``: that version and later patches of it;
* any PEP 440 specifier set, e.g. ``>=1.1,<2``.

The ranges are evaluated by `packaging` (the library pip uses).
"""

from __future__ import annotations

import re

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

__all__ = ["version_range", "version_satisfies"]

_PLAIN = re.compile(r"\d+\.\d+\.\d+")
_SHORTHAND = re.compile(r"([\^~])(\d+)\.(\d+)(?:\.(\d+))?")


def version_range(text: str) -> SpecifierSet:
    """The versions ``text`` admits.

    Raises:
        ValueError: ``text`` is none of the forms above.
    """
    text = text.strip()
    if _PLAIN.fullmatch(text):
        return SpecifierSet(f"=={text}")
    found = _SHORTHAND.fullmatch(text)
    if found:
        sign, major, minor, patch = found.group(1), int(found.group(2)), int(found.group(3)), int(found.group(4) or 0)
        low = f"{major}.{minor}.{patch}"
        if sign == "~":
            return SpecifierSet(f">={low},<{major}.{minor + 1}")
        high = f"{major + 1}" if major > 0 else f"0.{minor + 1}"
        return SpecifierSet(f">={low},<{high}")
    try:
        spec = SpecifierSet(text)
    except InvalidSpecifier:
        spec = SpecifierSet()
    if not str(spec):
        message = f"{text!r} is not a version (1.1.0) or a range of versions (^1.1, ~1.1, >=1.1,<2)"
        raise ValueError(message)
    return spec


def version_satisfies(version: str, wanted: str) -> bool:
    """Whether the layer version ``version`` is one that ``wanted`` (an exact version or a range) admits."""
    return Version(version) in version_range(wanted)
