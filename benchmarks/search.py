"""Search benchmark: build a store of N people (default 1,000,000) and time search and household look-ups.

    .venv/bin/python benchmarks/search.py [--people N] [--path FILE] [--queries Q]

Prints the build time, the file size, and p50/p95 of each kind of query through the store API beside
the same SQL statements on a bare sqlite3 connection (rows as tuples), with their ratio.
Targets at 1,000,000 people: name searches p95 <= 5 ms, citizen-ID prefix and household look-up
p95 <= 1 ms, each <= 1.5x bare sqlite3; build <= 60 s.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path

from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.store import search as search_module
from collector_app.store.db import PRAGMAS, open_store
from collector_app.store.people import HOUSEHOLD_SQL, get_household
from collector_app.store.registration import add_households
from collector_app.store.search import search_people

# Surnames with roughly their share of the population (Nguyễn ~38 %).
SURNAMES = {
    "Nguyễn": 380, "Trần": 110, "Lê": 95, "Phạm": 71, "Phan": 45, "Hoàng": 30, "Huỳnh": 21,
    "Đặng": 21, "Vũ": 20, "Võ": 19, "Bùi": 20, "Đỗ": 14, "Hồ": 13, "Ngô": 13, "Dương": 10,
    "Đinh": 6, "Trương": 6, "Lý": 5, "Đào": 4, "Đoàn": 4, "Lâm": 3, "Mai": 3, "Trịnh": 3, "Cao": 3,
    "Hà": 3, "Lương": 3, "Lưu": 2, "Tạ": 2, "Tô": 2, "Chu": 2, "Vương": 2, "Nông": 2, "Thái": 1,
    "Kiều": 1, "La": 1, "Quách": 1, "Triệu": 1, "Âu": 1, "Khổng": 1, "Mạc": 1, "Tăng": 1,
    "Ninh": 1, "Đàm": 1, "Giáp": 1, "Lò": 1, "Hứa": 1, "Văn": 1, "Châu": 1, "Phùng": 1,
}  # fmt: skip
MALE_MIDDLE = {
    "Văn": 35, "Đức": 8, "Minh": 8, "Quốc": 6, "Hữu": 6, "Thanh": 5, "Công": 5, "Đình": 5,
    "Xuân": 4, "Quang": 4, "Hoàng": 3, "Tuấn": 3, "Gia": 3, "Anh": 3, "Trọng": 3, "Duy": 3,
    "Thế": 3, "Bảo": 2, "Ngọc": 2, "Mạnh": 2, "Tiến": 2, "Trung": 2, "Hải": 2, "Nhật": 2,
    "Việt": 2, "Bá": 2, "Khắc": 1, "Kim": 1, "Phúc": 1, "Thành": 1,
}  # fmt: skip
FEMALE_MIDDLE = {
    "Thị": 50, "Thu": 6, "Ngọc": 6, "Thanh": 5, "Kim": 4, "Minh": 3, "Mỹ": 3, "Thùy": 3,
    "Hồng": 3, "Phương": 3, "Bảo": 2, "Diệu": 2, "Khánh": 2, "Hoài": 2, "Quỳnh": 2, "Xuân": 2,
    "Bích": 2, "Mai": 2, "Như": 2, "Tuyết": 1, "Hải": 1, "Lan": 1, "Hà": 1, "Tường": 1,
    "Cẩm": 1, "Ánh": 1, "Hương": 1,
}  # fmt: skip
# Given names, most common first (weights fall off as a Zipf law).
MALE_GIVEN = """Anh Minh Hùng Dũng Tuấn Nam Hải Long Sơn Hoàng Huy Đức Thắng Phong Quang Khoa Bảo An
Bình Cường Duy Đạt Hiếu Hòa Hưng Khánh Kiên Lâm Lộc Mạnh Nghĩa Nhân Phúc Phương Quân Tài Tâm Thành
Thiện Thịnh Tiến Toàn Trung Trường Tùng Vinh Việt Vũ Chiến Công Dương Giang Hào Hậu Hiển Hiệp Khang
Khôi Lực Luân Nguyên Nhật Phát Phú Phước Quốc Quý Sang Tân Thái Thanh Thọ Thông Trí Triều Trọng Tú Uy
Vương Xuân Khải Hiền Đăng Định Kha Lợi Ngọc Nhất Quyết Sỹ Tín Trực Vĩnh Khương Nghiêm Chính Bách
Điệp Đông Toản Cảnh Doanh Hạnh Kỳ Lập Ninh Quyền Thạch Thuận Tuệ Vỹ""".split()  # noqa: SIM905 - names read better as plain text
FEMALE_GIVEN = """Linh Hương Trang Hằng Lan Mai Ngọc Thảo Hà Anh Hoa Phương Thủy Huyền Nga Yến Dung Hạnh
Hiền Thu Vân Oanh Nhung Quỳnh Trinh Ly Loan Giang Chi Diệp Duyên Hồng Huệ Hường Khánh Khuê Liên My
Mỹ Ngân Nguyệt Nhàn Nhi Phượng Quyên Sương Tâm Thanh Thắm Thơ Thoa Thúy Thư Trâm Tuyết Uyên Vy Xuân
Ánh Châu Diễm Hậu Lụa Lý Mơ Nhạn Phúc Quế Tươi Vui Đào Kiều Hoài Hảo Dịu Gấm Bích Liễu Huế Tuyền Lệ
Hạ An Trúc Diệu Ngà Nhiên Thục Bình Cúc Đan Hân Kim Lam Lê Mận Nhã Nhàn Thùy Tiên Vi Xoan""".split()  # noqa: SIM905
# Birth-registration province codes of citizen IDs (a sample of the 63).
PROVINCES = ["001", "002", "004", "008", "010", "019", "022", "024", "026", "030", "031", "033",
             "034", "036", "037", "038", "040", "042", "045", "046", "048", "049", "051", "052",
             "054", "056", "066", "068", "072", "074", "075", "077", "079", "080", "082", "083",
             "086", "087", "089", "091", "092", "094", "096"]  # fmt: skip
HAMLETS = ["Thôn Đông", "Thôn Tây", "Xóm Chùa", "Ấp Bình An", "Bản Pác Nặm", "Tổ 5", "Khu phố 3",
           "Thôn Phú Mỹ", "Ấp Tân Hòa", "Xóm Mới"]  # fmt: skip
COMMUNES = [f"{n:05d}" for n in range(100, 10_000, 37)]


class _Weighted:
    def __init__(self, weights: dict[str, float] | Sequence[str]) -> None:
        if not isinstance(weights, dict):  # a list, most common first: Zipf weights
            weights = {name: 1 / (rank + 1) ** 0.9 for rank, name in enumerate(weights)}
        self.names = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))

    def pick(self, rng: random.Random) -> str:
        return self.names[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


class PeopleMaker:
    """Households of 1-7 with realistic Vietnamese names, citizen IDs, SI codes and phones."""

    SIZES = (1, 2, 3, 4, 5, 6, 7)
    SIZE_WEIGHTS = (10, 16, 20, 25, 15, 9, 5)

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.surnames = _Weighted(SURNAMES)
        self.middle = {Sex.MALE: _Weighted(MALE_MIDDLE), Sex.FEMALE: _Weighted(FEMALE_MIDDLE)}
        self.given = {Sex.MALE: _Weighted(MALE_GIVEN), Sex.FEMALE: _Weighted(FEMALE_GIVEN)}
        self.citizen_ids: set[str] = set()
        self.si_codes = itertools.count(1_000_000_001, 7)
        self.phones = itertools.count(1)

    def households(self, people: int) -> Iterator[NewHousehold]:
        made = 0
        number = itertools.count(1)
        while made < people:
            size = min(self.rng.choices(self.SIZES, self.SIZE_WEIGHTS)[0], people - made)
            made += size
            yield self.household(size, next(number))

    def household(self, size: int, number: int) -> NewHousehold:
        rng = self.rng
        family = self.surnames.pick(rng)
        head_born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 60))
        members = []
        for position in range(size):
            sex = Sex.MALE if rng.random() < 0.5 else Sex.FEMALE
            # The head and the children carry the family surname; the spouse (second) their own.
            surname = self.surnames.pick(rng) if position == 1 else family
            if position <= 1:
                born = head_born + timedelta(days=rng.randrange(-2000, 2000))
            else:
                born = head_born + timedelta(days=rng.randrange(365 * 20, 365 * 40))
            born = min(born, date(2025, 12, 31))
            members.append(self.person(surname, sex, born))
        return NewHousehold(
            household_code=f"HGD{number:09d}" if rng.random() < 0.3 else None,
            address=f"Số {rng.randrange(1, 300)}, {rng.choice(HAMLETS)}",
            commune_code=rng.choice(COMMUNES),
            province_code=rng.choice(PROVINCES)[1:],
            members=tuple(members),
        )

    def person(self, surname: str, sex: Sex, born: date) -> NewPerson:
        rng = self.rng
        roll = rng.random()
        middles: list[str] = []
        if roll > 0.03:  # a few people have no middle name
            middles.append(self.middle[sex].pick(rng))
        if roll > (0.8 if sex is Sex.FEMALE else 0.92):  # "Nguyễn Thị Thu Hằng"
            second = self.middle[sex].pick(rng)
            if second not in middles and second not in ("Thị", "Văn"):
                middles.append(second)
        full_name = " ".join([surname, *middles, self.given[sex].pick(rng)])
        adult = born.year <= 2007
        return NewPerson(
            full_name=full_name,
            date_of_birth=born,
            sex=sex,
            citizen_id=self.citizen_id(sex, born) if rng.random() < 0.95 else None,
            si_code=str(next(self.si_codes)) if rng.random() < 0.4 else None,
            phone=f"09{next(self.phones):08d}" if adult and rng.random() < 0.6 else None,
        )

    def citizen_id(self, sex: Sex, born: date) -> str:
        century = (born.year - 1900) // 100 * 2 + (1 if sex is Sex.FEMALE else 0)
        while True:
            number = f"{self.rng.choice(PROVINCES)}{century}{born.year % 100:02d}{self.rng.randrange(1_000_000):06d}"
            if number not in self.citizen_ids:
                self.citizen_ids.add(number)
                return number


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _time(function: Callable[[], object], repeat: int = 3) -> float:
    """Median of `repeat` runs, in ms (the machine is shared: one slow run says little)."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


def _queries(connection: sqlite3.Connection, count: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    total = connection.execute("SELECT max(search_rowid) FROM people").fetchone()[0]
    picks = rng.sample(range(1, total + 1), min(total, count * 8))
    rows = []
    for start in range(0, len(picks), 500):
        chunk = picks[start : start + 500]
        rows += connection.execute(
            "SELECT full_name, citizen_id, household_id, phone FROM people "
            f"WHERE search_rowid IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
    rng.shuffle(rows)
    names = [row[0].split() for row in rows]
    three = [words for words in names if len(words) == 3]
    four = [words for words in names if len(words) == 4]

    def partial(words: list[str]) -> str:
        word = rng.choice(words)
        return word[: rng.randint(2, max(2, min(4, len(word))))]

    return {
        "one partial word": [partial(words) for words in names[:count]],
        "given name only": [words[-1] for words in names[:count]],
        "surname + middle": [" ".join(words[:2]) for words in names[:count]],
        "full three-word name": [" ".join(words) for words in three[:count]],
        "two words + a letter": [f"{words[0]} {words[1]} {words[-1][0]}" for words in three[:count]],
        "(full four-word name)": [" ".join(words) for words in four[:count]],
        "(surname + given name)": [f"{words[0]} {words[-1]}" for words in three[:count]],
        "(words out of order)": [f"{words[-1]} {words[0]}" for words in three[:count]],
        "citizen-ID prefix": [row[1][: rng.randint(6, 9)] for row in rows[:count] if row[1]],
        "(phone prefix +84)": [f"+84 {row[3][1:7]}" for row in rows[: count * 3] if row[3]][:count],
        "household look-up": [row[2] for row in rows[:count]],
    }


TARGETS = {
    "one partial word": 5.0, "given name only": 5.0, "surname + middle": 5.0,
    "full three-word name": 5.0, "two words + a letter": 5.0, "citizen-ID prefix": 1.0,
    "household look-up": 1.0,
}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--path", type=Path, help="store file to build (default: a temporary folder)")
    parser.add_argument("--queries", type=int, default=300, help="queries of each kind")
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args(argv)
    folder = None
    if args.path is None:
        folder = tempfile.TemporaryDirectory(prefix="search-bench-")
        args.path = Path(folder.name) / "store.sqlite3"
    if args.path.exists():
        sys.exit(f"{args.path} exists; give a new file")

    store = open_store(args.path)
    maker = PeopleMaker(args.seed)
    start = time.perf_counter()
    add_households(store, maker.households(args.people), actor="benchmark")
    build = time.perf_counter() - start
    store.reader().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = args.path.stat().st_size / 2**20
    print(
        f"people: {args.people:,}   build (generate + add_households): {build:.1f} s   file: {size:.0f} MiB"
    )

    bare = sqlite3.connect(args.path, isolation_level=None)
    for pragma in PRAGMAS:
        bare.execute(f"PRAGMA {pragma}")
    queries = _queries(bare, args.queries, args.seed)
    print(
        f"\n{'query (p50 / p95 ms)':24} {'store API':>17} {'bare sqlite3':>17} {'ratio p50/p95':>15}  target"
    )
    for kind, texts in queries.items():
        ours: list[float] = []
        theirs: list[float] = []
        for index, text in enumerate(texts):
            if kind == "household look-up":
                run_ours: Callable[[], object] = lambda text=text: get_household(store, text)
                run_bare: Callable[[], object] = lambda text=text: bare.execute(
                    HOUSEHOLD_SQL, (text,)
                ).fetchall()
            else:
                run_ours = lambda text=text: search_people(store, text)
                run_bare = lambda text=text: search_module.run_search(bare, text, 50)
            # Alternate which goes first, so neither always finds the pages the other loaded.
            if index % 2:
                theirs.append(_time(run_bare))
                ours.append(_time(run_ours))
            else:
                ours.append(_time(run_ours))
                theirs.append(_time(run_bare))
        p50, p95 = statistics.median(ours), _percentile(ours, 0.95)
        b50, b95 = statistics.median(theirs), _percentile(theirs, 0.95)
        target = TARGETS.get(kind)
        verdict = "" if target is None else ("ok" if p95 <= target and p95 <= 1.5 * b95 else "MISSED")
        print(
            f"{kind:24} {p50:7.3f} / {p95:7.3f} {b50:7.3f} / {b95:7.3f} {p50 / b50:6.2f} / {p95 / b95:5.2f}"
            f"  {'' if target is None else f'p95 <= {target:g} ms'} {verdict}"
        )
    print("\nKinds in parentheses have no target; they show the general word-prefix path (FTS5).")
    bare.close()
    store.close()
    if folder is not None:
        folder.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
