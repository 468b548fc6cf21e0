"""docProps/app.xml: the sheet titles Excel lists in a file's properties.

HeadingPairs counts the titles of each kind (worksheets first, as Excel writes them,
whatever the language: "Worksheets", "Arbeitsblätter", ...); TitlesOfParts lists them
in that order. New sheets are added at the end of the worksheets; every title already
there stays. A file without these lists is left as it is (they are optional).
"""

from __future__ import annotations

from . import xmltext

PART = "docProps/app.xml"


def with_sheet_titles(xml: bytes, names: list[str]) -> bytes:
    titles = _vector(xml, "TitlesOfParts")
    headings = _vector(xml, "HeadingPairs")
    if titles is None or headings is None:
        return xml
    entries = _items(xml, titles)
    listed = {_text(xml, entry) for entry in entries}
    missing = [name for name in names if name not in listed]
    pairs = _items(xml, headings)
    if not missing or len(pairs) < 2:
        return xml
    count_element = _first_child(xml, pairs[1])
    count = _text(xml, count_element)
    if count_element is None or not count.isdigit() or int(count) > len(entries):
        return xml  # lists that do not add up: not ours to mend
    at = entries[int(count)].start if int(count) < len(entries) else xmltext.inner_end(xml, titles)
    tag = (xmltext.qualified_name(xml, entries[0]) if entries
           else xmltext.prefix_of(xmltext.qualified_name(xml, titles)) + b"lpstr").decode()
    added = "".join(f"<{tag}>{xmltext.escape(name)}</{tag}>" for name in missing).encode()
    xml = xml[:at] + added + xml[at:]
    xml = xmltext.set_start_attribute(xml, titles.start, b"size",
                                      str(len(entries) + len(missing)).encode())
    headings = _vector(xml, "HeadingPairs")  # found again: the titles before it grew
    count_element = _first_child(xml, _items(xml, headings)[1]) if headings else None
    assert count_element is not None  # checked above, and only the titles changed
    end = xmltext.inner_end(xml, count_element)
    return xml[:count_element.content] + str(int(count) + len(missing)).encode() + xml[end:]


def _vector(xml: bytes, section: str) -> xmltext.Span | None:
    found = xmltext.root_child(xml, section)
    return _first_child(xml, found) if found else None


def _items(xml: bytes, span: xmltext.Span) -> list[xmltext.Span]:
    return xmltext.elements(xml, span.content, xmltext.inner_end(xml, span))


def _first_child(xml: bytes, span: xmltext.Span | None) -> xmltext.Span | None:
    children = _items(xml, span) if span is not None else []
    return children[0] if children else None


def _text(xml: bytes, span: xmltext.Span | None) -> str:
    if span is None:
        return ""
    return xmltext.unescape(xml[span.content:xmltext.inner_end(xml, span)].decode()).strip()
