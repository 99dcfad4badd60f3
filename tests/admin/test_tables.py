"""The one table reader (admin.imports.tables) on real files written here: encodings, delimiters, XLSX, and every
kind of damage, each error naming its line and column; and the region import that reads through it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from admin.imports.regions import RegionFileError, read_region_file
from admin.imports.tables import MAX_CELL_CHARS, MAX_LINE_BYTES, Row, TableError, detect_encoding, open_table

HEADER = "身份证号,姓名,联系电话"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _rows(path: Path, required: tuple[int, ...] = ()) -> list[Row]:
    with open_table(path) as table:
        return list(table.rows(required=required))


def _error(path: Path) -> TableError:
    with pytest.raises(TableError) as caught:
        _rows(path)
    return caught.value


def test_gbk_csv_as_excel_saves_it(tmp_path: Path) -> None:
    text = "\r\n".join([HEADER, "1,张三,13912345678", "2,马福贵,0931-8862345", ""])
    path = _write(tmp_path, "名单.csv", text.encode("gbk"))  # no BOM, CRLF: Excel's "CSV" on Chinese Windows
    table = open_table(path)
    assert (table.encoding, table.delimiter, table.header.names) == ("gb18030", ",", ("身份证号", "姓名", "联系电话"))
    rows = list(table.rows())
    assert [(r.line, r.values, r.errors) for r in rows] == [
        (2, ("1", "张三", "13912345678"), ()), (3, ("2", "马福贵", "0931-8862345"), ())]
    assert rows[1]["姓名"] == "马福贵" and rows[1].cells == {"身份证号": "2", "姓名": "马福贵", "联系电话": "0931-8862345"}


def test_utf8_with_bom_tab_semicolon_and_utf16(tmp_path: Path) -> None:
    bom = _write(tmp_path, "bom.csv", ("\ufeff" + HEADER + "\n1,张三,139\n").encode("utf-8"))
    with open_table(bom) as table:
        assert table.encoding == "utf-8-sig" and table.header.names[0] == "身份证号"  # the BOM is not in the name
    tsv = _write(tmp_path, "tab.csv", "身份证号\t姓名\t备注\n1\t张三\t住在东塬村, 三组\n".encode())
    with open_table(tsv) as table:
        assert table.delimiter == "\t" and [r.values for r in table.rows()] == [("1", "张三", "住在东塬村, 三组")]
    semi = _write(tmp_path, "semi.csv", "身份证号;姓名\n1;张三\n".encode())
    assert [r.values for r in _rows(semi)] == [("1", "张三")]
    unicode_text = _write(tmp_path, "unicode.txt", "身份证号\t姓名\r\n1\t李梅\r\n".encode("utf-16"))  # Excel "Unicode text"
    with open_table(unicode_text) as table:
        assert table.encoding == "utf-16" and [r.values for r in table.rows()] == [("1", "李梅")]


def test_xlsx_cells_gaps_and_rounded_id_numbers(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["身份证号", "姓名", "入伍时间", "面积"])
    ws.append(["62292619650312001X", "张三", datetime(1983, 10, 1), 70.0])
    ws.append([None, None, None, None])
    ws.append([622926196503120011, "李四", None, 82.5, "多出来的"])  # typed as a number; a value with no column
    path = tmp_path / "名单.xlsx"
    wb.save(path)
    with open_table(path) as table:
        rows = list(table.rows())
        assert table.blank == 1
    assert rows[0].values == ("62292619650312001X", "张三", "1983-10-01", "70") and rows[0].errors == ()
    assert rows[1].line == 4
    assert [(e.line, e.column) for e in rows[1].errors] == [(4, "身份证号"), (4, "#5")]
    assert "Excel has rounded" in rows[1].errors[0].message


def test_a_broken_quote_names_its_line_and_column(tmp_path: Path) -> None:
    lines = [HEADER, "1,张三,139", '2,"马福贵,139', "3,李梅,138", "4,王五,137"]
    path = _write(tmp_path, "quote.csv", "\n".join(lines).encode())
    with open_table(path) as table:
        read: list[int] = []
        with pytest.raises(TableError) as caught:
            read.extend(r.line for r in table.rows())
    assert read == [2]  # the rows before it were read
    error = caught.value
    assert (error.line, error.column) == (3, "姓名") and "never closed" in error.message
    assert str(error) == "quote.csv, line 3, column '姓名': a quoted cell starts here and is never closed (a missing \")"
    after = _write(tmp_path, "after.csv", f'{HEADER}\n1,张三,139\n2,"马福贵"先生,139\n'.encode())
    error = _error(after)
    assert (error.line, error.column) == (3, "姓名") and "must be doubled" in error.message


def test_quoted_cells_over_several_lines_keep_the_physical_line_numbers(tmp_path: Path) -> None:
    path = _write(tmp_path, "multi.csv", f'{HEADER}\n1,"张\n三",139\n2,"李""梅""",138\n'.encode())
    assert [(r.line, r.values) for r in _rows(path)] == [(2, ("1", "张\n三", "139")), (4, ("2", '李"梅"', "138"))]


def test_row_problems_are_collected_on_the_row(tmp_path: Path) -> None:
    lines = [HEADER, "1,张三", "2,李梅,138,多余", "3,王五,137,,", ",马六,", ",,"]
    rows = _rows(_write(tmp_path, "shape.csv", "\n".join(lines).encode()), required=(0, 1))
    got = {r.line: [(e.column, e.message) for e in r.errors] for r in rows}
    assert got == {
        2: [(None, "only 2 cells, but the header has 3 columns (is a delimiter missing?)")],
        3: [("#4", "4 cells, but the header has 3 columns (a value at position 4 has no column)")],
        4: [],  # empty cells after the last column, as spreadsheets write them, are no problem
        5: [("身份证号", "the cell is empty")],
    }  # line 6 is blank: skipped


def test_undecodable_bytes_reject_the_row_not_the_file(tmp_path: Path) -> None:
    gbk = HEADER.encode("gbk") + b"\n1,\xd5\xc5\xc8\xfd,139\n2,\x80\x80,138\n3,\xc0\xee\xc3\xb7,137\n"
    rows = _rows(_write(tmp_path, "gbk.csv", gbk))
    assert [r.values[1] for r in rows if not r.errors] == ["张三", "李梅"]
    [bad] = [r for r in rows if r.errors]
    assert [(e.line, e.column, e.message) for e in bad.errors] == [
        (3, "姓名", "byte 0x80 cannot be read as GB18030 (GBK) text")]
    # a UTF-8 file damaged in one byte is still read as UTF-8: no name turns into GBK gibberish
    utf8 = "\n".join([HEADER, *(f"{n},张三丰,139" for n in range(5))]).encode() + b"\n9,\xff,1\n"
    path = _write(tmp_path, "damaged.csv", utf8)
    assert detect_encoding(path) == "utf-8"
    rows = _rows(path)
    assert {r.values[1] for r in rows if not r.errors} == {"张三丰"}
    assert [(e.line, e.column) for r in rows for e in r.errors] == [(7, "姓名")]


def test_files_that_cannot_be_read_at_all(tmp_path: Path) -> None:
    assert str(_error(_write(tmp_path, "zero.csv", b""))) == "zero.csv: the file is empty (0 bytes)"
    assert "the header line is empty" in str(_error(_write(tmp_path, "blank.csv", b",,\n1,2,3\n")))
    assert _rows(_write(tmp_path, "header.csv", HEADER.encode())) == []  # a header alone: no rows, no error
    binary = _error(_write(tmp_path, "photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xff"))
    assert "not a text file" in binary.message
    undecodable = _error(_write(tmp_path, "bytes.csv", b"\xff\xff,\x80\n1,2\n"))
    assert undecodable.line == 1 and "header cannot be read: byte 0xFF" in undecodable.message
    assert ".xls" in str(_error(_write(tmp_path, "old.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))))
    assert "workbook cannot be read" in str(_error(_write(tmp_path, "fake.xlsx", HEADER.encode())))
    wb = Workbook()
    wb.active.append(["身份证号"])
    good = tmp_path / "good.xlsx"
    wb.save(good)
    cut = _write(tmp_path, "cut.xlsx", good.read_bytes()[:300])
    assert "workbook cannot be read" in str(_error(cut))
    assert "only .csv" in str(_error(_write(tmp_path, "list.pdf", b"%PDF-1.4")))


def test_a_huge_line_or_cell_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    line = _write(tmp_path, "line.csv", HEADER.encode() + b"\n1,2,3\n4," + b"x" * (2 * MAX_LINE_BYTES) + b"\n")
    error = _error(line)
    assert error.line == 3 and "longer than 1024 KiB" in error.message
    cell = _write(tmp_path, "cell.csv", HEADER.encode() + b"\n1," + b"x" * (MAX_CELL_CHARS + 10) + b",3\n")
    error = _error(cell)
    assert (error.line, error.column) == (2, "姓名") and f"longer than {MAX_CELL_CHARS}" in error.message
    runaway = _write(tmp_path, "runaway.csv", HEADER.encode() + b'\n1,"x,3\n' + b"y,y,y\n" * 30_000)
    error = _error(runaway)
    assert (error.line, error.column) == (2, "姓名") and "closing quote" in error.message


def test_region_files_through_the_reader(tmp_path: Path) -> None:
    header = "level\tcode\tname\tshort_name\tparent_path"
    good = "\n".join([header, "province\t620000\t甘肃省\t甘肃\t", "prefecture\t622900\t临夏回族自治州\t临夏\t甘肃省"])
    gbk = _write(tmp_path, "regions.tsv", good.encode("gbk"))  # GBK from Excel is read as well
    assert [r[2] for r in read_region_file(gbk)] == ["甘肃省", "临夏回族自治州"]
    bad = "\n".join([header, "province\t620000\t甘肃省\t甘肃\t", "town\t12\t东塬/乡\t\t甘肃省", "village\t\t\t\t甘肃省"])
    path = _write(tmp_path, "bad.tsv", bad.encode())
    with pytest.raises(RegionFileError) as caught:
        list(read_region_file(path))
    assert str(caught.value).splitlines() == [
        "bad.tsv: 4 errors:",
        "  line 3, column 'level': unknown level 'town' (one of: province, prefecture, county, township, village)",
        "  line 3, column 'name': a name cannot contain '/': '东塬/乡'",
        "  line 3, column 'code': bad code '12' (6, 9 or 12 digits)",
        "  line 4, column 'name': the cell is empty",
    ]
    missing = _write(tmp_path, "missing.tsv", b"level\tname\nprovince\tx\n")
    with pytest.raises(RegionFileError, match="missing column"):
        list(read_region_file(missing))
