"""Vietnam's provinces and communes (the two-level units in force since 2025), read once from resources.

Look-ups accept a code (leading zeros optional, as spreadsheets drop them) or a name, short or full,
with or without accents: "Ba Đình", "Phường Ba Đình" and "phuong ba dinh" find the same ward.
"""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Generic, TypeVar

from collector_app.domain.text import fold
from collector_app.paths import resource_path

UNITS_FILE = "admin_units/units-2026-07-25.json"

PROVINCE_CODE_WIDTH = 2
COMMUNE_CODE_WIDTH = 5

# Tried only when the whole text matched nothing, so a unit whose own name starts with one of these
# words still matches. Folded forms.
_PROVINCE_PREFIXES = ("thanh pho ", "tp. ", "tp.", "tp ", "tinh ")
_COMMUNE_PREFIXES = ("phuong ", "xa ", "dac khu ")


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    full_name: str


@dataclass(frozen=True)
class Commune:
    """A commune, ward or special zone (xã, phường, đặc khu)."""

    code: str
    name: str
    full_name: str
    province_code: str


def _exact_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _normal_code(text: str, width: int) -> str | None:
    stripped = text.strip()
    if not stripped.isdigit():
        return None
    return stripped.lstrip("0").zfill(width)


_T = TypeVar("_T")


class _NameIndex(Generic[_T]):
    """Names to units, matched first exactly (case-insensitive) and then folded.

    Folding alone is not enough: "Văn Lang" and "Văn Lăng" are two communes of Thái Nguyên that
    fold to the same text, so an exact spelling must win over a folded one.
    """

    def __init__(self, prefixes: tuple[str, ...]) -> None:
        self._prefixes = prefixes
        self._exact: dict[str, list[_T]] = defaultdict(list)
        self._folded: dict[str, list[_T]] = defaultdict(list)

    def add(self, unit: _T, *names: str) -> None:
        for exact in {_exact_key(name) for name in names}:
            self._exact[exact].append(unit)
        for folded in {fold(name) for name in names}:
            self._folded[folded].append(unit)

    def match(self, text: str) -> tuple[_T, ...]:
        exact = self._exact.get(_exact_key(text))
        if exact:
            return tuple(exact)
        folded = fold(text)
        found = self._folded.get(folded)
        if found:
            return tuple(found)
        for prefix in self._prefixes:
            if folded.startswith(prefix):
                found = self._folded.get(folded.removeprefix(prefix).strip())
                if found:
                    return tuple(found)
        return ()


class AdminUnits:
    """All provinces and communes, with look-ups by code or by name."""

    def __init__(self, provinces: Iterable[Province], communes: Iterable[Commune]) -> None:
        self._provinces = {p.code: p for p in provinces}
        self._communes = {c.code: c for c in communes}
        self._province_names: _NameIndex[Province] = _NameIndex(_PROVINCE_PREFIXES)
        for province in self._provinces.values():
            self._province_names.add(province, province.name, province.full_name)
        self._commune_names: dict[str, _NameIndex[Commune]] = {}
        self._all_commune_names: _NameIndex[Commune] = _NameIndex(_COMMUNE_PREFIXES)
        self._communes_by_province: dict[str, list[Commune]] = defaultdict(list)
        for commune in self._communes.values():
            if commune.province_code not in self._provinces:
                raise ValueError(f"commune {commune.code} names unknown province {commune.province_code}")
            index = self._commune_names.setdefault(commune.province_code, _NameIndex(_COMMUNE_PREFIXES))
            index.add(commune, commune.name, commune.full_name)
            self._all_commune_names.add(commune, commune.name, commune.full_name)
            self._communes_by_province[commune.province_code].append(commune)

    @classmethod
    def from_json(cls, path: Path) -> AdminUnits:
        """Read the GSO-derived list: provinces with `Code`, `Name`, `FullName` and their `Wards`."""
        with path.open(encoding="utf-8") as handle:
            raw = json.load(handle)
        provinces = [Province(p["Code"], p["Name"], p["FullName"]) for p in raw]
        communes = [
            Commune(w["Code"], w["Name"], w["FullName"], w["ProvinceCode"]) for p in raw for w in p["Wards"]
        ]
        return cls(provinces, communes)

    @property
    def provinces(self) -> tuple[Province, ...]:
        return tuple(self._provinces.values())

    def communes_of(self, province_code: str) -> tuple[Commune, ...]:
        return tuple(self._communes_by_province.get(province_code, ()))

    def province(self, code: str) -> Province | None:
        normal = _normal_code(code, PROVINCE_CODE_WIDTH)
        return self._provinces.get(normal) if normal else None

    def commune(self, code: str) -> Commune | None:
        normal = _normal_code(code, COMMUNE_CODE_WIDTH)
        return self._communes.get(normal) if normal else None

    def find_province(self, text: str) -> Province | None:
        """The province named or coded by `text`, or None if there is none (or more than one)."""
        if _normal_code(text, PROVINCE_CODE_WIDTH):
            return self.province(text)
        found = self._province_names.match(text)
        return found[0] if len(found) == 1 else None

    def find_commune(self, text: str, province_code: str) -> Commune | None:
        """The commune of `province_code` named or coded by `text`; None if none or ambiguous."""
        found = self.match_communes(text, province_code)
        return found[0] if len(found) == 1 else None

    def match_communes(self, text: str, province_code: str | None = None) -> tuple[Commune, ...]:
        """Every commune `text` may mean, in one province or (None) in the whole country.

        More than one result means the name is ambiguous there (same name once accents are
        dropped); none means it does not exist there.
        """
        if _normal_code(text, COMMUNE_CODE_WIDTH):
            commune = self.commune(text)
            if commune is None or (province_code is not None and commune.province_code != province_code):
                return ()
            return (commune,)
        if province_code is None:
            return self._all_commune_names.match(text)
        index = self._commune_names.get(province_code)
        return index.match(text) if index else ()


@cache
def load_admin_units() -> AdminUnits:
    """The shipped list, read once per process."""
    return AdminUnits.from_json(resource_path(UNITS_FILE))
