"""The dated policy table: every rate, amount and threshold, each with its effective dates and source.

A `PolicyTable` is data with a version (shipped in `resources/policy/`, later pushed by the server).
It is validated when parsed, and `PolicyTable.in_force(on)` returns the `Policy` for a payment date:
the one place calculators get their figures from. A date the table does not cover is refused.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from collector_app.domain.money import RoundingRule, parse_fraction
from collector_app.domain.people import SupportGroup
from collector_app.domain.problems import DomainError, Problem, ProblemCode

SUPPORTED_FORMAT = 1


class PolicyTableError(ValueError):
    """A policy table that cannot be used; `errors` says where and why, one line each."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("invalid policy table:\n" + "\n".join(f"  {e}" for e in errors))


class LapseBoundary(StrEnum):
    """Whether a lapse of exactly `lapse_months` already counts as a new participation."""

    AT_LEAST = "at_least"
    MORE_THAN = "more_than"


@dataclass(frozen=True)
class HiCardRules:
    wait_days: int
    lapse_months: int
    lapse_boundary: LapseBoundary


@dataclass(frozen=True)
class Multiple:
    """A value defined as `times` × another parameter on the same date (income floor and ceiling)."""

    of: str
    times: Fraction


@dataclass(frozen=True)
class Period:
    """One value of one parameter with the dates it holds (both inclusive) and its legal source."""

    start: date
    end: date | None
    value: Any
    source: str

    def covers(self, on: date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)


@dataclass(frozen=True)
class Policy:
    """Every parameter in force on one date, typed and resolved. Built only by `PolicyTable.in_force`."""

    on: date
    version: str
    base_salary: int
    reference_level: int | None
    rural_poverty_line: int
    vsi_rate: Fraction
    vsi_income_floor: int
    vsi_income_ceiling: int
    vsi_income_step: int
    vsi_support_rates: Mapping[SupportGroup, Fraction]
    vsi_support_cap_months: int
    vsi_payment_windows: Mapping[int, int]
    vsi_prepay_max_months: int
    vsi_prepay_support_netted: bool
    vsi_fund_monthly_return: Fraction | None
    vsi_remaining_max_months: int
    vsi_remaining_support_applies: bool
    vsi_min_age: int
    local_vsi_support: Mapping[str, Mapping[SupportGroup, Fraction]]
    hi_rate: Fraction
    hi_ladder: tuple[Fraction, ...]
    hi_periods: tuple[int, ...]
    hi_card_rules: HiCardRules
    rounding: RoundingRule
    collection_commission: Mapping[str, Fraction] | None
    commission_rates: CommissionRates | None
    sources: Mapping[str, str] = field(repr=False)

    @property
    def vsi_periods(self) -> tuple[int, ...]:
        return tuple(sorted(self.vsi_payment_windows))

    @property
    def vsi_monthly_support_base(self) -> Fraction:
        """Support is a share of vsi_rate × rural poverty line, whatever income is chosen (§1.4)."""
        return self.vsi_rate * self.rural_poverty_line


# ---- value parsers: each turns the raw TOML/JSON value into a typed one, or raises ValueError ----


def _vnd(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise ValueError(f"expected a whole, non-negative number of đồng, got {raw!r}")
    return raw


def _positive_int(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
        raise ValueError(f"expected a positive whole number, got {raw!r}")
    return raw


def _share(raw: Any) -> Fraction:
    value = parse_fraction(raw)
    if not 0 <= value <= 1:
        raise ValueError(f"expected a share between 0 and 1, got {raw!r}")
    return value


def _bool(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise ValueError(f"expected true or false, got {raw!r}")
    return raw


def _multiple(raw: Any) -> Multiple:
    if not isinstance(raw, Mapping) or set(raw) != {"of", "times"}:
        raise ValueError("expected { of = \"parameter\", times = \"n\" }")
    if raw["of"] not in _VND_PARAMETERS:
        raise ValueError(f"'of' must name one of {sorted(_VND_PARAMETERS)}, got {raw['of']!r}")
    times = parse_fraction(raw["times"])
    if times <= 0:
        raise ValueError("'times' must be positive")
    return Multiple(of=raw["of"], times=times)


def _group_shares(raw: Any) -> Mapping[SupportGroup, Fraction]:
    if not isinstance(raw, Mapping):
        raise ValueError("expected a table of support groups")
    expected = {g.value for g in SupportGroup}
    if set(raw) != expected:
        raise ValueError(f"expected exactly the groups {sorted(expected)}, got {sorted(raw)}")
    return MappingProxyType({SupportGroup(k): _share(v) for k, v in raw.items()})


def _payment_windows(raw: Any) -> Mapping[int, int]:
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError("expected a table of months -> payment window in months")
    windows: dict[int, int] = {}
    for months_text, window in raw.items():
        months = _positive_int(int(months_text))
        windows[months] = _positive_int(window)
        if windows[months] > months:
            raise ValueError(f"the payment window of a {months}-month period cannot exceed it")
    return MappingProxyType(windows)


def _ladder(raw: Any) -> tuple[Fraction, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueError("expected a non-empty list of shares")
    steps = tuple(_share(v) for v in raw)
    if steps[0] != 1:
        raise ValueError("the first member pays the full amount (share 1)")
    if any(later > earlier for earlier, later in zip(steps, steps[1:])):
        raise ValueError("ladder shares may not increase down the household")
    return steps


def _months_list(raw: Any) -> tuple[int, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueError("expected a non-empty list of month counts")
    return tuple(sorted({_positive_int(v) for v in raw}))


def _card_rules(raw: Any) -> HiCardRules:
    if not isinstance(raw, Mapping) or set(raw) != {"wait_days", "lapse_months", "lapse_boundary"}:
        raise ValueError("expected { wait_days, lapse_months, lapse_boundary }")
    return HiCardRules(
        wait_days=_vnd(raw["wait_days"]),
        lapse_months=_positive_int(raw["lapse_months"]),
        lapse_boundary=LapseBoundary(raw["lapse_boundary"]),
    )


def _commission(raw: Any) -> Mapping[str, Fraction]:
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError("expected a table of commission shares")
    return MappingProxyType({str(k): _share(v) for k, v in raw.items()})


@dataclass(frozen=True)
class CommissionRates:
    """The collection organisation's commission (domain.md §5, P13), a share of what participants paid
    themselves, by scheme and by new or continuing participant."""

    vsi_new: Fraction
    vsi_continuing: Fraction
    hi_new: Fraction
    hi_continuing: Fraction


def _commission_rates(raw: Any) -> CommissionRates:
    keys = ("vsi_new", "vsi_continuing", "hi_new", "hi_continuing")
    if not isinstance(raw, Mapping) or set(raw) != set(keys):
        raise ValueError(f"expected the shares {', '.join(keys)}")
    return CommissionRates(*(_share(raw[key]) for key in keys))


_VND_PARAMETERS = {"base_salary", "reference_level", "rural_poverty_line"}

# name -> (parser, required on every covered date)
_PARAMETERS: dict[str, tuple[Callable[[Any], Any], bool]] = {
    "base_salary": (_vnd, True),
    "reference_level": (_vnd, False),
    "rural_poverty_line": (_vnd, True),
    "vsi_rate": (_share, True),
    "vsi_income_floor": (_multiple, True),
    "vsi_income_ceiling": (_multiple, True),
    "vsi_income_step": (_positive_int, True),
    "vsi_support_rates": (_group_shares, True),
    "vsi_support_cap_months": (_positive_int, True),
    "vsi_periods": (_payment_windows, True),
    "vsi_prepay_max_months": (_positive_int, True),
    "vsi_prepay_support_netted": (_bool, True),
    "vsi_fund_monthly_return": (_share, False),
    "vsi_remaining_max_months": (_positive_int, True),
    "vsi_remaining_support_applies": (_bool, True),
    "vsi_min_age": (_positive_int, True),
    "hi_rate": (_share, True),
    "hi_ladder": (_ladder, True),
    "hi_periods": (_months_list, True),
    "hi_card_rules": (_card_rules, True),
    "rounding": (RoundingRule, True),
    "collection_commission": (_commission, False),
    "commission_rates": (_commission_rates, False),
}
# Parameters added after tables were published: a table made before may lack them (none in force).
_ADDED_LATER = frozenset({"commission_rates"})
_LOCAL_SUPPORT = "local_vsi_support"
_HEADER = {"format", "version", "published", "description"}


def _as_date(raw: Any, where: str) -> date:
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise ValueError(f"{where}: expected a date (YYYY-MM-DD), got {raw!r}")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _parse_periods(name: str, raw: Any, parser: Callable[[Any], Any], errors: list[str]) -> tuple[Period, ...]:
    if not isinstance(raw, list):
        errors.append(f"{name}: expected a list of dated values")
        return ()
    periods: list[Period] = []
    for index, item in enumerate(raw):
        where = f"{name}[{index}]"
        try:
            if not isinstance(item, Mapping):
                raise ValueError("expected a table with from, value and source")
            unknown = set(item) - {"from", "to", "value", "source"}
            if unknown:
                raise ValueError(f"unknown keys {sorted(unknown)}")
            start = _as_date(item.get("from"), where + ".from")
            end = _as_date(item["to"], where + ".to") if "to" in item else None
            if end is not None and end < start:
                raise ValueError(f"ends ({end}) before it starts ({start})")
            source = item.get("source")
            if not isinstance(source, str) or not source.strip():
                raise ValueError("every value needs its legal source")
            if "value" not in item:
                raise ValueError("missing value")
            periods.append(Period(start=start, end=end, value=parser(item["value"]), source=source))
        except (ValueError, KeyError, TypeError) as exc:
            errors.append(f"{where}: {exc}")
    periods.sort(key=lambda p: p.start)
    for earlier, later in zip(periods, periods[1:]):
        if earlier.end is None or earlier.end >= later.start:
            errors.append(f"{name}: the value from {earlier.start} overlaps the one from {later.start}")
    return tuple(periods)


def _value_on(periods: Iterable[Period], on: date) -> Period | None:
    return next((p for p in periods if p.covers(on)), None)


@dataclass(frozen=True)
class PolicyTable:
    """One version of the whole dated table, validated."""

    version: str
    published: date
    description: str
    parameters: Mapping[str, tuple[Period, ...]]
    local_vsi_support: Mapping[str, tuple[Period, ...]]

    @classmethod
    def from_toml(cls, text: str) -> PolicyTable:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyTableError([f"not valid TOML: {exc}"]) from exc
        return cls.from_mapping(data)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> PolicyTable:
        """Validate a parsed table (from TOML, or JSON pushed by the server) and build it."""
        errors: list[str] = []
        if data.get("format") != SUPPORTED_FORMAT:
            errors.append(f"format: expected {SUPPORTED_FORMAT}, got {data.get('format')!r}")
        version = data.get("version")
        try:
            _version_key(str(version))
        except ValueError:
            errors.append(f"version: expected dotted numbers such as 2026.11.1, got {version!r}")
        published = date.min
        try:
            published = _as_date(data.get("published"), "published")
        except ValueError as exc:
            errors.append(str(exc))
        unknown = set(data) - set(_PARAMETERS) - _HEADER - {_LOCAL_SUPPORT}
        if unknown:
            errors.append(f"unknown parameters: {sorted(unknown)}")

        parameters: dict[str, tuple[Period, ...]] = {}
        for name, (parser, required) in _PARAMETERS.items():
            if name not in data:
                if name in _ADDED_LATER:
                    parameters[name] = ()
                else:
                    errors.append(f"{name}: missing")
                continue
            parameters[name] = _parse_periods(name, data[name], parser, errors)
            if required and not parameters[name]:
                errors.append(f"{name}: needs at least one dated value")

        local: dict[str, tuple[Period, ...]] = {}
        raw_local = data.get(_LOCAL_SUPPORT, {})
        if not isinstance(raw_local, Mapping):
            errors.append(f"{_LOCAL_SUPPORT}: expected a table keyed by province code")
        else:
            for province, raw in raw_local.items():
                local[str(province)] = _parse_periods(
                    f"{_LOCAL_SUPPORT}.{province}", raw, _group_shares, errors
                )
        if errors:
            raise PolicyTableError(errors)
        return cls(
            version=str(version),
            published=published,
            description=str(data.get("description", "")),
            parameters=MappingProxyType(parameters),
            local_vsi_support=MappingProxyType(local),
        )

    @property
    def version_key(self) -> tuple[int, ...]:
        return _version_key(self.version)

    def in_force(self, on: date) -> Policy:
        """Every parameter in force on `on`; refuses (POLICY_NOT_IN_FORCE) a date the table does not cover."""
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        missing: list[str] = []
        for name, (_, required) in _PARAMETERS.items():
            period = _value_on(self.parameters[name], on)
            if period is None:
                if required:
                    missing.append(name)
                values[name] = None
            else:
                values[name] = period.value
                sources[name] = period.source
        if missing:
            raise DomainError(
                Problem(ProblemCode.POLICY_NOT_IN_FORCE, {"date": on, "missing": ", ".join(missing)})
            )

        def resolve(multiple: Multiple, name: str) -> int:
            base = values.get(multiple.of)
            if base is None:
                raise DomainError(
                    Problem(ProblemCode.POLICY_NOT_IN_FORCE,
                            {"date": on, "missing": f"{name} ({multiple.of})"})
                )
            amount = multiple.times * base
            if amount.denominator != 1:
                raise PolicyTableError([f"{name}: {multiple.times} × {multiple.of} is not whole đồng"])
            return int(amount)

        local: dict[str, Mapping[SupportGroup, Fraction]] = {}
        for province, periods in self.local_vsi_support.items():
            period = _value_on(periods, on)
            if period is not None:
                local[province] = period.value
                sources[f"{_LOCAL_SUPPORT}.{province}"] = period.source

        return Policy(
            on=on,
            version=self.version,
            base_salary=values["base_salary"],
            reference_level=values["reference_level"],
            rural_poverty_line=values["rural_poverty_line"],
            vsi_rate=values["vsi_rate"],
            vsi_income_floor=resolve(values["vsi_income_floor"], "vsi_income_floor"),
            vsi_income_ceiling=resolve(values["vsi_income_ceiling"], "vsi_income_ceiling"),
            vsi_income_step=values["vsi_income_step"],
            vsi_support_rates=values["vsi_support_rates"],
            vsi_support_cap_months=values["vsi_support_cap_months"],
            vsi_payment_windows=values["vsi_periods"],
            vsi_prepay_max_months=values["vsi_prepay_max_months"],
            vsi_prepay_support_netted=values["vsi_prepay_support_netted"],
            vsi_fund_monthly_return=values["vsi_fund_monthly_return"],
            vsi_remaining_max_months=values["vsi_remaining_max_months"],
            vsi_remaining_support_applies=values["vsi_remaining_support_applies"],
            vsi_min_age=values["vsi_min_age"],
            local_vsi_support=MappingProxyType(local),
            hi_rate=values["hi_rate"],
            hi_ladder=values["hi_ladder"],
            hi_periods=values["hi_periods"],
            hi_card_rules=values["hi_card_rules"],
            rounding=values["rounding"],
            collection_commission=values["collection_commission"],
            commission_rates=values["commission_rates"],
            sources=MappingProxyType(sources),
        )


def newest(tables: Iterable[PolicyTable]) -> PolicyTable:
    """The table with the highest version: a table pushed later supersedes the shipped one."""
    return max(tables, key=lambda t: t.version_key)
