"""docProps/app.xml lists the new sheets after the worksheets."""

from __future__ import annotations

from xlsheet_outsource.ooxml import app_properties


def test_app_properties_list_new_sheets_after_the_worksheets():
    xml = (b'<Properties xmlns="p" xmlns:vt="v"><HeadingPairs><vt:vector size="4" '
           b'baseType="variant"><vt:variant><vt:lpstr>Arbeitsbl\xc3\xa4tter</vt:lpstr></vt:variant>'
           b'<vt:variant><vt:i4>1</vt:i4></vt:variant><vt:variant><vt:lpstr>Named Ranges'
           b'</vt:lpstr></vt:variant><vt:variant><vt:i4>1</vt:i4></vt:variant></vt:vector>'
           b'</HeadingPairs><TitlesOfParts><vt:vector size="2" baseType="lpstr"><vt:lpstr>Data'
           b'</vt:lpstr><vt:lpstr>Data!Print_Area</vt:lpstr></vt:vector></TitlesOfParts>'
           b'</Properties>')
    out = app_properties.with_sheet_titles(xml, ["Summary", "A & B"])
    assert b'<vt:i4>3</vt:i4></vt:variant><vt:variant><vt:lpstr>Named' in out
    assert (b'<vt:vector size="4" baseType="lpstr"><vt:lpstr>Data</vt:lpstr><vt:lpstr>Summary'
            b'</vt:lpstr><vt:lpstr>A &amp; B</vt:lpstr><vt:lpstr>Data!Print_Area') in out
    assert app_properties.with_sheet_titles(out, ["Summary"]) == out
