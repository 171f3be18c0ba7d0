"""Read a folder of documents as text, whatever they are written in.

Text, Markdown and reStructuredText are read as they are; HTML loses its markup
(Python's own parser, scripts and styles dropped); PDF needs ``pypdf``. A file
that cannot be read is named with the reason and the rest is still read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".rst", ".text")
HTML_SUFFIXES = (".html", ".htm")
PDF_SUFFIXES = (".pdf",)
READABLE = TEXT_SUFFIXES + HTML_SUFFIXES + PDF_SUFFIXES


@dataclass
class Document:
    path: Path
    text: str


@dataclass
class Corpus:
    documents: list[Document] = field(default_factory=list)
    unreadable: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)


class _TextOfHtml(HTMLParser):
    """The visible text of an HTML page (no scripts, no styles)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def read_text(path: Path) -> str:
    """One document's text; raises ``ValueError`` with a reason a person can act on."""
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        try:
            from pypdf import PdfReader
        except ImportError:
            raise ValueError("reading PDF needs pypdf: pip install 'advisor[docs]'") from None
        try:
            reader = PdfReader(str(path))
            return "\n".join(page.extract_text() or "" for page in reader.pages)
        except Exception as exc:  # pypdf raises many types for damaged files
            raise ValueError(f"not a readable PDF ({type(exc).__name__}: {exc})") from exc
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(exc.strerror or str(exc)) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (byte {exc.start})") from exc
    if suffix in HTML_SUFFIXES:
        parser = _TextOfHtml()
        parser.feed(text)
        return "\n".join(parser.parts)
    return text


def read_corpus(folder: Path) -> Corpus:
    """Every readable document under ``folder`` (recursively, sorted; hidden files and
    folders such as .git are left out)."""
    corpus = Corpus()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.suffix.lower() not in READABLE:
            corpus.skipped.append(path)
            continue
        try:
            text = read_text(path)
        except ValueError as exc:
            corpus.unreadable.append((path, str(exc)))
            continue
        corpus.documents.append(Document(path, text))
    return corpus
