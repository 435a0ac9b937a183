"""Making the frozen dataclasses that store reads return, at the speed a search needs."""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")

_new = object.__new__
_set = object.__setattr__


def frozen(cls: type[T], fields: dict[str, Any]) -> T:
    """`cls(**fields)` for a plain frozen dataclass, in half the time.

    A frozen dataclass's generated __init__ sets every field through object.__setattr__; handing
    the instance its whole __dict__ at once skips that, which matters when a search turns fifty
    rows into hits on each keystroke. `fields` must name every field: nothing fills in defaults,
    and `cls` must have no __post_init__ and no __slots__.
    """
    instance = _new(cls)
    _set(instance, "__dict__", fields)
    return instance
