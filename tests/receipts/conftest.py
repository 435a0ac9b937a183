"""Reading rendered receipts back: text (pypdf), page sizes, page images and text positions (pdfium)."""

from __future__ import annotations

import io
from collections.abc import Callable

import pypdfium2 as pdfium
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from PIL import Image
from pypdf import PdfReader

from collector_app.receipts.samples import SAMPLE_PRIVATE_KEY


class ReadPdf:
    """One PDF, read back the ways the tests need."""

    def __init__(self, pdf: bytes) -> None:
        self.pdf = pdf
        self.reader = PdfReader(io.BytesIO(pdf))

    def page_texts(self) -> list[str]:
        """Each page's text in drawing order, runs of white space made single spaces (so a name
        wrapped over two lines of a table cell reads back as the name)."""
        return [" ".join(page.extract_text().split()) for page in self.reader.pages]

    def text(self) -> str:
        return " ".join(self.page_texts())

    def page_sizes(self) -> list[tuple[float, float]]:
        """(width, height) of each page, in points."""
        return [(float(p.mediabox.width), float(p.mediabox.height)) for p in self.reader.pages]

    def image(self, page: int = 0, dpi: int = 200) -> Image.Image:
        return pdfium.PdfDocument(self.pdf)[page].render(scale=dpi / 72).to_pil().convert("L")

    def right_edges(self, text: str, page: int = 0) -> list[float]:
        """Where each occurrence of `text` on `page` ends, in points from the left edge."""
        text_page = pdfium.PdfDocument(self.pdf)[page].get_textpage()
        searcher = text_page.search(text)
        edges = []
        while (found := searcher.get_next()) is not None:
            start, count = found
            edges.append(text_page.get_charbox(start + count - 1)[2])
        return edges

    def character_boxes(self, page: int = 0) -> list[tuple[float, float, float, float]]:
        """(left, bottom, right, top) of every printed character on `page`, in points."""
        text_page = pdfium.PdfDocument(self.pdf)[page].get_textpage()
        text = text_page.get_text_range()
        return [
            text_page.get_charbox(i)
            for i in range(text_page.count_chars())
            if i < len(text) and not text[i].isspace()
        ]


@pytest.fixture
def read_pdf() -> Callable[[bytes], ReadPdf]:
    return ReadPdf


@pytest.fixture(scope="session")
def sample_public_key() -> bytes:
    """The public half of the key the sample receipts are signed with."""
    key = Ed25519PrivateKey.from_private_bytes(SAMPLE_PRIVATE_KEY).public_key()
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)
