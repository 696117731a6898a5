"""Tiny HTML readers for page tests (stdlib only): table cells, links, form fields."""

from __future__ import annotations

from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.depth = 0  # > 0 while inside the wanted table
        self.in_body = False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.skip = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and (self.depth or dict(attrs).get("id") == self.table_id):
            self.depth += 1
        elif self.depth and tag == "tbody":
            self.in_body = True
        elif self.depth and self.in_body and tag == "tr":
            self.rows.append([])
            self.skip = dict(attrs).get("class") == "empty"  # a "nothing found" row
        elif self.depth and self.in_body and tag == "td":
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        elif tag == "tbody":
            self.in_body = False
        elif tag == "tr" and self.skip:
            self.rows.pop()
            self.skip = False
        elif tag == "td" and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html: str, table_id: str) -> list[list[str]]:
    """The body rows of ``<table id=table_id>`` as lists of whitespace-normalised cell texts
    (without the "nothing found" row)."""
    parser = _Tables(table_id)
    parser.feed(html)
    return parser.rows


def column(html: str, table_id: str, index: int = 0) -> list[str]:
    return [row[index] for row in table_rows(html, table_id) if len(row) > index]


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("name"):
            self.values[str(found["name"])] = found.get("value") or ""


def input_values(html: str) -> dict[str, str]:
    """name -> value of every ``<input>`` on the page (the last one wins)."""
    parser = _Inputs()
    parser.feed(html)
    return parser.values
