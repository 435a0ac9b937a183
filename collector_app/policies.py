"""Finds the policy tables the app uses: the ones shipped in `resources/policy/` (and, later, pushed).

Reading files lives here, not in `domain`: `domain.policy` only parses and validates.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from collector_app.domain.policy import PolicyTable, newest
from collector_app.paths import resource_path

POLICY_FOLDER = "policy"


def shipped_documents() -> dict[Path, dict[str, Any]]:
    """Every shipped table file, parsed but not yet validated."""
    folder = resource_path(POLICY_FOLDER)
    return {path: tomllib.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.toml"))}


@cache
def current_table() -> PolicyTable:
    """The newest valid table: the one every quote and payment uses."""
    return newest(PolicyTable.from_mapping(document) for document in shipped_documents().values())
