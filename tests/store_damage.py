"""Damaging a real store file as a disk or another program would: noise over a stretch of it, one
flipped byte in a b-tree page of a table. Shared by the store, command-line and window tests.

An encrypted store (SQLCipher 4) is read through its pages decrypted here (AES-256-CBC with the raw
data key and each page's IV), to find where its tables lie; damage lands on the encrypted bytes, and
SQLCipher then finds the page's HMAC wrong, as it would a bad sector's."""

from __future__ import annotations

import random
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from signing import raw_connection, store_key

NOISE_BYTES = 4096
TABLE_LEAF, TABLE_INTERIOR, INDEX_LEAF, INDEX_INTERIOR = 13, 5, 10, 2


def checkpoint(path: Path) -> None:
    """Move everything from the WAL into the main file, so that damage to the file is what SQLite reads."""
    connection = raw_connection(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


SQLCIPHER_PAGE_SIZE = 4096
SQLCIPHER_RESERVE = 48  # per page: a 16-byte IV and a 32-byte HMAC-SHA256 (store.cipher.HMAC_ALGORITHM)
SQLCIPHER_SALT = 16


def page_size(path: Path) -> int:
    if store_key(path) is not None:
        return SQLCIPHER_PAGE_SIZE
    return int.from_bytes(path.read_bytes()[16:18], "big")


def plain_bytes(path: Path) -> bytes:
    """The file's bytes as SQLite sees them: an encrypted store's pages decrypted (reserve zeroed)."""
    data = path.read_bytes()
    key = store_key(path)
    if key is None:
        return data
    size, reserve, out = SQLCIPHER_PAGE_SIZE, SQLCIPHER_RESERVE, bytearray()
    for number in range(len(data) // size):
        page = data[number * size : (number + 1) * size]
        iv = page[size - reserve : size - reserve + 16]
        start = SQLCIPHER_SALT if number == 0 else 0
        decrypted = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor().update(page[start : size - reserve])
        out += (b"SQLite format 3\x00" if number == 0 else b"") + decrypted + bytes(reserve)
    return bytes(out)


def btree_pages(path: Path, name: str | None = None) -> dict[int, int]:
    """{page number: page type} of every b-tree page of the table or index `name` (all of them if None)."""
    connection = raw_connection(path)
    try:
        sql = "SELECT rootpage FROM sqlite_master WHERE rootpage > 0" + (" AND name = ?" if name else "")
        roots = [row[0] for row in connection.execute(sql, (name,) if name else ())]
        if name in (None, "sqlite_schema"):
            roots.append(1)  # the schema table itself, rooted in page 1
    finally:
        connection.close()
    data, size = plain_bytes(path), page_size(path)
    pages: dict[int, int] = {}
    pending = list(roots)
    while pending:
        number = pending.pop()
        start = (number - 1) * size
        header = start + (100 if number == 1 else 0)
        kind = data[header]
        pages[number] = kind
        if kind in (TABLE_INTERIOR, INDEX_INTERIOR):
            cells = int.from_bytes(data[header + 3 : header + 5], "big")
            for index in range(cells):
                pointer = int.from_bytes(data[header + 12 + 2 * index : header + 14 + 2 * index], "big")
                pending.append(int.from_bytes(data[start + pointer : start + pointer + 4], "big"))
            pending.append(int.from_bytes(data[header + 8 : header + 12], "big"))
    return pages


def overwrite_middle_with_noise(path: Path, *, seed: int = 9) -> int:
    """Overwrite the 4 KB page in the middle of the file with random bytes; returns its page number.

    Asserts that the page holds part of a table or index: noise over a free page would be harmless.
    """
    checkpoint(path)
    size = page_size(path)
    number = path.stat().st_size // size // 2 + 1
    assert number in btree_pages(path), f"page {number} of {path} is not a b-tree page"
    with path.open("r+b") as handle:
        handle.seek((number - 1) * size)
        handle.write(random.Random(seed).randbytes(NOISE_BYTES))
    return number


def flip_byte_in_table_page(path: Path, table: str) -> int:
    """Flip a byte of the first cell pointer of a leaf page of `table` (its middle one); returns the page.

    The pointer then points outside the page: the kind of damage one bad sector or bit does.
    """
    checkpoint(path)
    leaves = sorted(number for number, kind in btree_pages(path, table).items() if kind == TABLE_LEAF)
    number = leaves[len(leaves) // 2]
    size = page_size(path)
    offset = (number - 1) * size + (100 if number == 1 else 0) + 8  # first cell pointer of a leaf
    with path.open("r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)[0]
        handle.seek(offset)
        handle.write(bytes([byte ^ 0xFF]))
    return number


def flip_integer_in_table(path: Path, table: str, value: int) -> None:
    """Change one stored integer `value` (e.g. a payment's amount) by one, in place in the file.

    Flips the last byte of the first place the value's bytes appear in a leaf page of `table`
    (SQLite stores a 24-bit integer in 3 bytes, big-endian); the caller checks that one row now
    reads value ± 1, and nothing else changed.
    """
    checkpoint(path)
    widths = ((1, 1 << 7), (2, 1 << 15), (3, 1 << 23), (4, 1 << 31))
    width = next(width for width, limit in widths if value < limit)
    needle = value.to_bytes(width, "big")
    data, size = path.read_bytes(), page_size(path)
    for number, kind in sorted(btree_pages(path, table).items()):
        page = data[(number - 1) * size : number * size]
        if kind == TABLE_LEAF and needle in page:
            offset = (number - 1) * size + page.index(needle) + width - 1
            break
    else:
        raise AssertionError(f"{value} is not stored in a page of {table}")
    with path.open("r+b") as handle:
        handle.seek(offset)
        handle.write(bytes([data[offset] ^ 0x01]))
