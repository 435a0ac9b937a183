"""This project's version, as installed (pyproject.toml's, from the package metadata): the app's and the
server's, which are one distribution. Qt-free; the server shares it."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "collector-app"


def installed_version() -> str:
    """The version pip (or a bundle's copied metadata) recorded; "unknown" run from a checkout never installed."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown"
