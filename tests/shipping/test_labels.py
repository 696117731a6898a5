"""Labels, packing slips and manifests, read back the way a printer or a scanner would.

PDFs are opened with pypdf: their text is extracted, and the Code 128 is decoded from the bars
actually drawn on the page (rectangles in the content stream) with the symbology's own width
table, written out here independently of ReportLab. ZPL is parsed back field by field.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import replace
from datetime import date

import pypdf
import pytest
from pypdf.generic import ContentStream
from reportlab.pdfbase.pdfmetrics import stringWidth

from backroom.core.errors import ValidationFailed
from backroom.shipping.labels import LabelData, LabelPackage, ManifestData, ManifestRow
from backroom.shipping.labels.manifest import render_manifest_csv, render_manifest_pdf
from backroom.shipping.labels.pdf import fitted, render_label
from backroom.shipping.labels.slip import render_slip
from backroom.shipping.labels.zpl import render_zpl
from backroom.shipping.model import Address, ContentLine

# Code 128 symbol widths (bar, space, bar, space, bar, space) for values 0-106 (106: stop).
CODE128 = """
212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232
122132 122231 113222 123122 123221 223211 221132 221231 213212 223112 312131 311222 321122
321221 312212 322112 322211 212123 212321 232121 111323 131123 131321 112313 132113 132311
211313 231113 231311 112133 112331 132131 113123 113321 133121 313121 211331 231131 213113
213311 213131 311123 311321 331121 312113 312311 332111 314111 221411 431111 111224 111422
121124 121421 141122 141221 112214 112412 122114 122411 142112 142211 241211 221114 413111
241112 134111 111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 214121
412121 111143 111341 131141 114113 114311 411113 411311 113141 114131 311141 411131 211412
211214 211232 2331112""".split()  # noqa: SIM905
VALUE_OF = {w: v for v, w in enumerate(CODE128)}
START_A, START_B, START_C, STOP = 103, 104, 105, 106


def bars_on(page: pypdf.PageObject, reader: pypdf.PdfReader) -> list[tuple[float, float]]:
    """(x, width) of the filled rectangles of the tallest repeated height: the barcode."""
    rects = [[float(v) for v in operands] for operands, op in
             ContentStream(page.get_contents(), reader).operations if op == b"re"]
    height = Counter(round(r[3], 2) for r in rects if r[3] > 20).most_common(1)[0][0]
    return sorted((r[0], r[2]) for r in rects if round(r[3], 2) == height)


def decode_code128(bars: list[tuple[float, float]]) -> str:
    """The text a scanner reads from these bars; raises on a bad pattern or check symbol."""
    module = min(w for _, w in bars)
    widths = []
    for i, (x, w) in enumerate(bars):
        widths.append(round(w / module))
        if i + 1 < len(bars):
            widths.append(round((bars[i + 1][0] - x - w) / module))
    text = "".join(str(w) for w in widths)
    assert text.endswith(CODE128[STOP]), "no stop pattern"
    symbols = [VALUE_OF[text[i:i + 6]] for i in range(0, len(text) - 7, 6)]
    start, *data, check = symbols
    assert start in (START_A, START_B, START_C), "no start pattern"
    assert (start + sum(i * v for i, v in enumerate(data, start=1))) % 103 == check, "bad check"
    return _decode_values(start, data)


def _decode_values(start: int, data: list[int]) -> str:
    subset = {START_A: "A", START_B: "B", START_C: "C"}[start]
    out = []
    for v in data:
        if subset == "C" and v < 100:
            out.append(f"{v:02d}")
        elif v in (99, 100, 101) and (subset, v) not in (("C", 99), ("B", 100), ("A", 101)):
            subset = {99: "C", 100: "B", 101: "A"}[v]
        elif (subset == "B" and v < 96) or (subset == "A" and v < 64):
            out.append(chr(v + 32))
        else:
            raise AssertionError(f"unexpected symbol {v} in subset {subset}")
    return "".join(out)


def parse_zpl(zpl: str) -> list[list[dict[str, object]]]:
    """Each label (^XA … ^XZ) as its fields: text (^FH hex escapes decoded) and barcode type."""
    labels = []
    for body in re.findall(r"\^XA(.*?)\^XZ", zpl, flags=re.S):
        fields = []
        for head, data in re.findall(r"((?:\^(?!FD)[A-Z0-9]{2}[^\^]*)*)\^FD(.*?)\^FS", body,
                                     flags=re.S):
            if "^FH" in head:
                raw = re.sub(rb"_([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]),
                             data.encode("utf-8"))
                data = raw.decode("utf-8")
            fields.append({"text": data, "barcode": "^BC" in head,
                           "mode": head.split("^BC")[1] if "^BC" in head else ""})
        labels.append(fields)
    return labels


def label_data(**changes: object) -> LabelData:
    data = LabelData(
        shipment_id=7, reference="ORDER-1001", carrier="PWY", service="TWO_DAY",
        ship_from=Address("Main Warehouse", "1 Dock Rd", "Newark", "07102", "US", region="NJ",
                          residential=False),
        ship_to=Address("Jane Müller", "5 Main St", "Chicago", "60601", "US", line2="Apt 2",
                        region="IL"),
        ship_date=date(2026, 11, 23),
        packages=(LabelPackage(1, "PW00000000000007011", 1200, 300, 200, 100),
                  LabelPackage(2, "PW00000000000007029", 800, 200, 200, 200)),
        contents=(ContentLine("MUG-1", "Mug", 2), ContentLine("PLATE-9", "Plate & <saucer>", 3)))
    return replace(data, **changes)  # type: ignore[arg-type]


def test_label_pdf_has_one_4x6_page_per_package_with_every_field() -> None:
    reader = pypdf.PdfReader(io.BytesIO(render_label(label_data())))
    assert len(reader.pages) == 2
    for n, page in enumerate(reader.pages, start=1):
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (288, 432)
        text = page.extract_text()
        for expected in ("Main Warehouse", "1 Dock Rd", "Newark NJ 07102", "SHIP TO",
                         "Jane Müller", "5 Main St", "Apt 2", "Chicago IL 60601", "PWY TWO_DAY",
                         f"Package {n} of 2", "Ref: ORDER-1001", "Ship date: 2026-11-23"):
            assert expected in text, (expected, text)
    first, second = (p.extract_text() for p in reader.pages)
    assert "Weight: 1.20 kg (2.65 lb)" in first and "Weight: 0.80 kg (1.76 lb)" in second
    assert "TRACKING # PW00000000000007011" in first and "PW00000000000007029" in second


def test_label_barcode_scans_as_each_packages_tracking_number() -> None:
    reader = pypdf.PdfReader(io.BytesIO(render_label(label_data())))
    decoded = [decode_code128(bars_on(page, reader)) for page in reader.pages]
    assert decoded == ["PW00000000000007011", "PW00000000000007029"]


def test_label_barcode_decodes_letters_and_digits_when_tracking_is_mixed() -> None:
    pkg = LabelPackage(1, "1Z999AA10123456784", 500, 100, 100, 100)
    reader = pypdf.PdfReader(io.BytesIO(render_label(label_data(packages=(pkg,)))))
    assert decode_code128(bars_on(reader.pages[0], reader)) == "1Z999AA10123456784"


def test_label_pdf_is_byte_identical_when_rendered_twice() -> None:
    assert render_label(label_data()) == render_label(label_data())


def test_label_refuses_tracking_number_when_it_is_not_ascii() -> None:
    bad = label_data(packages=(LabelPackage(1, "PW-Ω1", 500, 100, 100, 100),))
    with pytest.raises(ValidationFailed, match="tracking_number"):
        render_label(bad)
    with pytest.raises(ValidationFailed, match="tracking_number"):
        render_zpl(bad)


def test_zpl_parses_back_to_same_fields_and_barcode_per_package() -> None:
    labels = parse_zpl(render_zpl(label_data()))
    assert len(labels) == 2
    for n, fields in enumerate(labels, start=1):
        texts = [f["text"] for f in fields if not f["barcode"]]
        assert {"Main Warehouse", "Jane Müller", "Chicago IL 60601", "PWY TWO_DAY",
                f"Package {n} of 2", "Ref: ORDER-1001"} <= set(texts)
        codes = [f for f in fields if f["barcode"]]
        assert len(codes) == 1 and codes[0]["mode"].endswith(",A")
        assert codes[0]["text"] == label_data().packages[n - 1].tracking_number
    assert "Weight: 1.20 kg (2.65 lb)" in [f["text"] for f in labels[0]]


def test_zpl_escapes_control_characters_when_address_contains_them() -> None:
    tricky = Address("Caret ^XZ Co_~", "1 ^FS St", "Chicago", "60601", "US")
    zpl = render_zpl(label_data(ship_to=tricky))
    assert zpl.count("^XZ") == 2 and "_5EXZ" in zpl  # the address never ends a label
    texts = [f["text"] for f in parse_zpl(zpl)[0]]
    assert "Caret ^XZ Co_~" in texts and "1 ^FS St" in texts
    assert "^CI28" in zpl and zpl.count("^XA") == 2


def test_packing_slip_lists_every_line_when_rendered_on_a4() -> None:
    pdf = render_slip(label_data(), page="a4")
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    text = page.extract_text()
    for expected in ("Packing slip", "MUG-1", "Mug", "PLATE-9", "Plate & <saucer>",
                     "Total units", "5", "Jane Müller", "Reference: ORDER-1001"):
        assert expected in text, expected


def _manifest() -> ManifestData:
    rows = (ManifestRow(7, 1, "PW00000000000007011", "TWO_DAY", 1200, "ORDER-1001", "60601",
                        "US"),
            ManifestRow(7, 2, "PW00000000000007029", "TWO_DAY", 800, "ORDER-1001", "60601",
                        "US"),
            ManifestRow(8, 1, "PW00000000000008019", "GROUND", 500, "=HYPERLINK()", "10001",
                        "US"))
    return ManifestData(3, "PWY", "WH1", ("Main Warehouse", "Newark NJ 07102"),
                        date(2026, 11, 23), rows)


def test_manifest_csv_has_one_row_per_package_when_day_is_closed() -> None:
    rows = list(csv.DictReader(io.StringIO(render_manifest_csv(_manifest()))))
    assert [r["tracking_number"] for r in rows] == ["PW00000000000007011",
                                                    "PW00000000000007029",
                                                    "PW00000000000008019"]
    assert rows[0]["weight_g"] == "1200" and rows[2]["destination_postal_code"] == "10001"
    assert rows[2]["reference"] == "'=HYPERLINK()"  # never a live formula in a spreadsheet


def test_manifest_pdf_shows_totals_and_every_tracking_number() -> None:
    text = pypdf.PdfReader(io.BytesIO(render_manifest_pdf(_manifest()))).pages[0].extract_text()
    assert "Manifest 3" in text and "PWY" in text and "2026-11-23" in text
    assert "2 shipments, 3 packages, 2.50 kg" in text
    assert all(n in text for n in ("PW00000000000007011", "PW00000000000008019"))
    assert "Received by driver" in text


def test_long_address_lines_are_shrunk_to_fit_the_label_when_rendered() -> None:
    long_line = "Line one street 12345 with a rather long name, rear entrance"
    text, size = fitted(long_line, "Helvetica-Bold", 12, 256)
    assert text == long_line and size < 12 and stringWidth(text, "Helvetica-Bold", size) <= 256
    tiny_text, tiny = fitted("W" * 200, "Helvetica-Bold", 12, 256)
    assert tiny == 6 and stringWidth(tiny_text, "Helvetica-Bold", 6) <= 256
    pdf = render_label(label_data(ship_to=Address("Jane", long_line, "Chicago", "60601", "US")))
    assert long_line in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    zpl_fields = parse_zpl(render_zpl(label_data(ship_to=Address("Jane", long_line, "Chicago",
                                                                 "60601", "US"))))[0]
    assert long_line in [f["text"] for f in zpl_fields]
