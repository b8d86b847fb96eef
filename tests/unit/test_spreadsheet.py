"""Cells that a spreadsheet would run as formulas are written as text."""

from __future__ import annotations

import pytest

from core.services.spreadsheet import csv_text, neutralised, restored


@pytest.mark.parametrize("cell", ["=1+1", "+52 55", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_that_starts_a_formula_is_quoted_and_comes_back(cell):
    assert neutralised(cell) == "'" + cell
    assert restored(neutralised(cell)) == cell


@pytest.mark.parametrize("cell", ["Ana", "199.00", "", "'quoted on purpose", "a=b"])
def test_other_cells_are_written_as_they_are(cell):
    assert neutralised(cell) == cell
    assert restored(cell) == cell


def test_numbers_and_none_become_text():
    assert neutralised(3) == "3" and neutralised(None) == ""


def test_a_csv_document_neutralises_every_row_but_not_the_header():
    assert csv_text(["name", "n"], [["=A1", 2]]) == "name,n\n'=A1,2\n"
