"""Two households in Đà Nẵng (no provincial top-up: payable = gross - state support), in a real store,
for the tests of a collector's day: what the Today page counts and what closing the day expects."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.services.device import set_up
from collector_app.store.db import Store
from collector_app.store.registration import add_households
from signing import open_test_store

DA_NANG = "48"
HEAD, WIFE, THIRD, FOURTH = "048080012345", "048182012345", "048075000111", "048176000222"
CODE = "4800000001"  # the first household's code


@contextmanager
def da_nang_store(path: Path) -> Iterator[Store]:
    with open_test_store(path) as opened:
        set_up(opened)
        add_households(opened, [
            NewHousehold(CODE, "12 Trần Phú", "20242", DA_NANG, (
                NewPerson("Đặng Văn Hùng", date(1980, 3, 4), Sex.MALE, HEAD),
                NewPerson("Lê Thị Hằng", date(1982, 5, 6), Sex.FEMALE, WIFE),
            )),
            NewHousehold(None, "45 Lê Lợi", "20242", DA_NANG, (
                NewPerson("Trần Văn Bình", date(1975, 1, 2), Sex.MALE, THIRD),
                NewPerson("Phạm Thị Mai", date(1976, 7, 8), Sex.FEMALE, FOURTH),
            )),
        ], actor="test")
        yield opened
