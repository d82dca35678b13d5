"""CSV exports are safe against formula injection."""

from organiser.spreadsheet import csv_text, safe_cell


def test_formula_cells_are_defused():
    for dangerous in ("=SUM(A1)", "+31 6", "-1", "@cmd", "\tx", "\rx"):
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("Jansen") == "Jansen" and safe_cell(None) == "" and safe_cell(3) == "3"


def test_csv_text_has_bom_semicolons_and_defused_cells():
    text = csv_text(["naam", "notitie"], [["Piet", '=HYPERLINK("http://x")']])
    assert text.startswith("\ufeffnaam;notitie\r\n")
    assert "'=HYPERLINK" in text
