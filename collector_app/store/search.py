"""Finding people by name (accent- and case-insensitive word prefixes), citizen ID, SI code or phone.

How names are found, and why (measured on 1,000,000 people by benchmarks/search.py):

1. Start of the full name: `people.name_folded` (`domain.text.fold`: lower case, no marks, đ->d)
   has a B-tree index on (name_folded, id). "nguyen van h" is the range
   ['nguyen van h', 'nguyen van i'): an index range scan that stops after `limit` rows, already in
   (name, id) order; ~0.25 ms for 50 hits. A range, not LIKE: LIKE is case-insensitive only for
   ASCII and uses an index only under a matching collation; plain comparisons always use the
   binary index, and `%` and `_` are just characters.
2. Every other match: each query word is a prefix of some word of the name, in any order
   ("hang", "thi hang", "hang dang", "ng v h"). A contentless FTS5 index (detail=none) with a
   prefix index for every length 1-7 (a Vietnamese syllable has at most 7 letters) answers
   `"nguyen"* "thi"* "h"*` by walking one ready-made doclist per word. A word longer than the
   prefix indexes makes FTS5 merge the doclists of every term it starts (40 % of people are
   Nguyễn): with no prefix index, 25-140 ms per query; with prefix='1 2 3', full names p95
   7.4 ms; with 1-7, 0.02-5 ms. Rows that step 1 already found are excluded in SQL, and step 2
   runs only when step 1 found fewer than `limit` people.

A word-suffix table (each name from each word on, indexed) was considered for step 2: it handles
only contiguous words, so FTS5 would still be needed for "nguyen hang" or "hang dang"; FTS5 alone
met the targets. Its cost grows with the rarest word's doclist when few people match every word:
full names of three words p95 ~3.3 ms, of four ("Nguyễn Thị Thu Hằng") p95 ~7 ms.

Nothing is ranked: ordering a large match set ("nguyen" matches 400,000 people) costs hundreds of
milliseconds. Order is deterministic: step 1 by (name, id), then step 2's page by (name, id).

Digits only ("0790", "+84 912 345", "0912.345.678") search citizen IDs, then SI codes, then phone
numbers by prefix, each through its own index, each person once; a whole phone number (ten digits
from 0) looks for phones first. Each hit says what it matched (`matched_on`). Phones are stored in
national form, so "84912..." and "+84 912..." look for "0912..."; any other "+..." is a foreign phone:
no match.

The statements run on the thread's own DB-API connection (`Store.reader()`), constant SQL that
sqlite3 keeps prepared: the whole call costs 1.2-1.3x the same statements on a bare connection.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

from collector_app.domain.people import Sex
from collector_app.domain.text import fold, fold_digits
from collector_app.store.db import Store
from collector_app.store.people import SEX_BY_VALUE
from collector_app.store.rows import frozen


@dataclass(frozen=True)
class PersonHit:
    person_id: str
    full_name: str
    date_of_birth: date
    sex: Sex
    citizen_id: str | None
    si_code: str | None
    phone: str | None
    household_id: str
    household_code: str | None
    address: str
    commune_code: str
    matched_on: str  # why the person was found: one of MATCHED_ON


MATCHED_ON = ("name", "citizen_id", "si_code", "phone")


def _hit_columns(matched_on: str) -> str:
    """PersonHit's fields, then name_folded to sort the second step's page by, then what matched."""
    assert matched_on in MATCHED_ON
    return f"""
SELECT p.id, p.full_name, p.date_of_birth, p.sex, p.citizen_id, p.si_code, p.phone,
       p.household_id, h.household_code, h.address, h.commune_code, p.name_folded, '{matched_on}'
"""


NAME_PREFIX_SQL = (
    _hit_columns("name")
    + """
FROM people AS p JOIN households AS h ON h.id = p.household_id
WHERE p.name_folded >= :low AND p.name_folded < :high
ORDER BY p.name_folded, p.id
LIMIT :limit
"""
)

NAME_WORDS_SQL = (
    _hit_columns("name")
    + """
FROM people_fts AS f
JOIN people AS p ON p.search_rowid = f.rowid
JOIN households AS h ON h.id = p.household_id
WHERE people_fts MATCH :match AND NOT (p.name_folded >= :low AND p.name_folded < :high)
LIMIT :limit
"""
)


def _prefix_sql(column: str, order: str) -> str:
    return (
        _hit_columns(column)
        + f"""
FROM people AS p JOIN households AS h ON h.id = p.household_id
WHERE p.{column} >= :low AND p.{column} < :high
ORDER BY {order}
LIMIT :limit
"""
    )


# Each ORDER BY is the order of the index the range is read from, so nothing is sorted.
CITIZEN_ID_SQL = _prefix_sql("citizen_id", "p.citizen_id")  # unique
SI_CODE_SQL = _prefix_sql("si_code", "p.si_code, p.id")
PHONE_SQL = _prefix_sql("phone", "p.phone, p.id")

STATEMENTS = {
    "name prefix": NAME_PREFIX_SQL,
    "name words": NAME_WORDS_SQL,
    "citizen id": CITIZEN_ID_SQL,
    "si code": SI_CODE_SQL,
    "phone": PHONE_SQL,
}
"""Every statement search runs, by name: for EXPLAIN QUERY PLAN checks and benchmark baselines."""

# What people type inside a number: "0912 345 678", "0912.345.678", "0912-345-678", "+84 912...".
_NUMBER = re.compile(r"\+?[0-9]+")
_NUMBER_SEPARATORS = str.maketrans("", "", " .-")
_LAST_CHARACTER = chr(0x10FFFF)
PHONE_DIGITS = 10  # a Vietnamese phone number in national form: 0 and nine digits
# The FTS5 ascii tokenizer splits on ASCII characters other than letters and digits; query words
# are split the same way so that each one is a single token.
_WORD_SEPARATORS = re.compile(r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")


def search_people(store: Store, text: str, *, limit: int = 50) -> list[PersonHit]:
    """People whose name matches every word of `text` as a word prefix, or whose citizen ID,
    SI code or phone starts with the digits of `text`. At most `limit`; none for an empty text."""
    if limit <= 0:
        return []
    return [
        frozen(
            PersonHit,
            {
                "person_id": row[0],
                "full_name": row[1],
                "date_of_birth": date.fromisoformat(row[2]),
                "sex": SEX_BY_VALUE[row[3]],
                "citizen_id": row[4],
                "si_code": row[5],
                "phone": row[6],
                "household_id": row[7],
                "household_code": row[8],
                "address": row[9],
                "commune_code": row[10],
                "matched_on": row[12],
            },
        )
        for row in run_search(store.reader(), text, limit)
    ]


def run_search(connection: sqlite3.Connection, text: str, limit: int) -> list[tuple[Any, ...]]:
    """The search on a DB-API connection: rows in `_hit_columns` order, at most `limit`.

    Full-width digits (from East Asian input methods) search as 0-9.
    """
    text = fold_digits(text)
    number = text.translate(_NUMBER_SEPARATORS)
    if _NUMBER.fullmatch(number):
        return _search_numbers(connection, number, limit)
    return _search_names(connection, fold(text), limit)


def _search_names(connection: sqlite3.Connection, folded: str, limit: int) -> list[tuple[Any, ...]]:
    words = [word for word in _WORD_SEPARATORS.split(folded) if word]
    if not words:
        return []
    low, high = _prefix_range(folded)
    rows = connection.execute(NAME_PREFIX_SQL, {"low": low, "high": high, "limit": limit}).fetchall()
    if len(rows) < limit:
        match = " ".join(f'"{word}"*' for word in words)
        more = connection.execute(
            NAME_WORDS_SQL, {"match": match, "low": low, "high": high, "limit": limit - len(rows)}
        ).fetchall()
        rows += sorted(more, key=lambda row: (row[11], row[0]))
    return rows


def _search_numbers(connection: sqlite3.Connection, number: str, limit: int) -> list[tuple[Any, ...]]:
    digits = number.lstrip("+")
    # Phones are stored in national form (0912345678): "+84 912..." and "84912..." mean "0912...".
    phone = "0" + digits[2:] if digits.startswith("84") and len(digits) > 2 else digits
    if number.startswith("+"):  # an international phone number; only Vietnamese ones can be here
        searches = [(PHONE_SQL, phone)] if phone.startswith("0") else []
    elif len(phone) == PHONE_DIGITS and phone.startswith("0"):
        # A whole phone number: the people with that phone first, then those whose longer citizen ID
        # or SI code happens to start with the same digits (each row says what it matched).
        searches = [(PHONE_SQL, phone), (CITIZEN_ID_SQL, digits), (SI_CODE_SQL, digits)]
    else:
        searches = [(CITIZEN_ID_SQL, digits), (SI_CODE_SQL, digits), (PHONE_SQL, phone)]
    rows: list[tuple[Any, ...]] = []
    seen: set[str] = set()
    for sql, prefix in searches:
        low, high = _prefix_range(prefix)
        # A full `limit` each time: some of these rows may be people already found.
        for row in connection.execute(sql, {"low": low, "high": high, "limit": limit}):
            if row[0] not in seen:
                seen.add(row[0])
                rows.append(row)
                if len(rows) == limit:
                    return rows
    return rows


def _prefix_range(prefix: str) -> tuple[str, str]:
    """[low, high) holding exactly the strings that start with `prefix` (binary collation)."""
    head = prefix.rstrip(_LAST_CHARACTER)
    if not head:  # nothing sorts after "\U0010ffff..."; good enough for such a query
        return prefix, prefix + _LAST_CHARACTER
    return prefix, head[:-1] + chr(ord(head[-1]) + 1)
