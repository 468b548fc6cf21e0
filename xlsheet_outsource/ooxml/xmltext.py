"""XML as text: find, cut and splice elements in a part's bytes without re-serialising it.

A part the tool changes keeps every byte it does not own (prefixes, attribute order,
unknown extensions), so edits are splices into the original text. Only parts the
tool itself wrote, or small ones it reads for facts, are parsed (with defusedxml).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import Element

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"  # ISO 29500 strict

# A start, end or empty tag; a quoted attribute value may hold ">".
TAG = re.compile(rb"<(/?)((?:[\w.-]+:)?[\w.-]+)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)"
                 rb"\s*(/?)>")
SKIPPED = re.compile(rb"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>|<!.*?>", re.S)
ATTRIBUTE = re.compile(rb"([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
ANY_PREFIX = rb"""(?:[^\s<>/:="']+:)?"""  # a tag's namespace prefix, if any (calamine ignores them)
_UNPREFIXED_TAG = re.compile(rb"<(/?)(?=[A-Za-z_])(?![\w.-]+:)")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPED_CHAR = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


@dataclass(frozen=True)
class Span:
    """One element in a part's text: its local name, where it starts and ends."""
    name: bytes
    start: int
    end: int  # just past its end tag
    content: int  # just past its start tag (== end for an empty tag)


def tag_at(xml: bytes, at: int = 0) -> re.Match[bytes]:
    """The tag that starts at ``at``, where the caller found one (a scan, a span)."""
    tag = TAG.match(xml, at)
    if tag is None:
        raise ValueError(f"no XML tag at offset {at}")
    return tag


def local(qualified: bytes) -> bytes:
    return qualified.rsplit(b":", 1)[-1]


def prefix_of(qualified: bytes) -> bytes:
    """b"x:" for b"x:sheetData", b"" when unprefixed."""
    return qualified[:qualified.index(b":") + 1] if b":" in qualified else b""


def root(xml: bytes) -> Span:
    """The document element, found without reading past its start tag."""
    position = 0
    while True:
        lt = xml.find(b"<", position)
        if lt < 0:
            raise ValueError("no root element")
        skipped = SKIPPED.match(xml, lt)
        if skipped:
            position = skipped.end()
            continue
        tag = TAG.match(xml, lt)
        if tag is None or tag[1]:
            raise ValueError(f"malformed root element at {lt}")
        end = tag.end() if tag[4] else xml.rindex(b">") + 1
        return Span(local(tag[2]), lt, end, tag.end())


def elements(xml: bytes, start: int, end: int) -> list[Span]:
    """The elements directly between ``start`` and ``end`` (one level, not their children)."""
    found: list[Span] = []
    depth, opened, opened_at, content = 0, b"", 0, 0
    position = start
    while position < end:
        lt = xml.find(b"<", position, end)
        if lt < 0:
            break
        skipped = SKIPPED.match(xml, lt, end)
        if skipped:
            position = skipped.end()
            continue
        tag = TAG.match(xml, lt, end)
        if tag is None:
            raise ValueError(f"malformed tag at {lt}")
        closing, name, _, empty = tag.groups()
        position = tag.end()
        if closing:
            depth -= 1
            if depth == 0:
                found.append(Span(local(opened), opened_at, position, content))
        elif empty:
            if depth == 0:
                found.append(Span(local(name), lt, position, position))
        else:
            if depth == 0:
                opened, opened_at, content = name, lt, position
            depth += 1
    return found


def inner_end(xml: bytes, span: Span) -> int:
    """Where the element's content ends (its end tag starts)."""
    return span.end if span.content == span.end else xml.rindex(b"</", span.start, span.end)


def append_into(xml: bytes, span: Span, child: bytes) -> bytes:
    """The part with ``child`` added last inside the element (opening an empty one up)."""
    if span.content == span.end:
        opened = xml[span.start:span.end].rstrip(b"/>").rstrip()
        close = b"</" + qualified_name(xml, span) + b">"
        return xml[:span.start] + opened + b">" + child + close + xml[span.end:]
    end = inner_end(xml, span)
    return xml[:end] + child + xml[end:]


def root_child(xml: bytes, name: str) -> Span | None:
    top = root(xml)
    return next((span for span in elements(xml, top.content, inner_end(xml, top))
                 if span.name == name.encode()), None)


def append_to_section(xml: bytes, section: str, children: bytes, order: Sequence[str],
                      prefix: bytes) -> bytes:
    """``children`` (unprefixed) added last in the root's ``section`` element; a missing
    section is made, placed where the schema's ``order`` of the root's children wants it."""
    children = prefixed(children, prefix)
    found = root_child(xml, section)
    if found is not None:
        return append_into(xml, found, children)
    top = root(xml)
    rank = order.index(section)
    later = [span for span in elements(xml, top.content, inner_end(xml, top))
             if span.name.decode() in order and order.index(span.name.decode()) > rank]
    at = later[0].start if later else inner_end(xml, top)
    opening, closing = f"<{section}>".encode(), f"</{section}>".encode()
    return xml[:at] + prefixed(opening, prefix) + children + prefixed(closing, prefix) + xml[at:]


def qualified_name(xml: bytes, span: Span) -> bytes:
    return tag_at(xml, span.start)[2]


def attributes(start_tag: bytes) -> dict[str, str]:
    """The attributes of a start tag, names as written, values unescaped."""
    return {name.decode(): unescape((double or single).decode())
            for name, double, single in ATTRIBUTE.findall(start_tag)}


def start_tag(xml: bytes, span: Span) -> bytes:
    return xml[span.start:span.content] if span.content != span.end else xml[span.start:span.end]


def with_attribute(tag: bytes, name: bytes, value: bytes) -> bytes:
    """The start tag with one attribute set (replaced where it is, else added last)."""
    pattern = re.compile(rb"(\s" + re.escape(name) + rb"\s*=\s*)(\"[^\"]*\"|'[^']*')")
    if pattern.search(tag):
        return pattern.sub(lambda m: m[1] + b'"' + value + b'"', tag, count=1)
    end = -2 if tag.endswith(b"/>") else -1
    return tag[:end].rstrip() + b" " + name + b'="' + value + b'"' + tag[end:]


def set_start_attribute(xml: bytes, at: int, name: bytes, value: bytes) -> bytes:
    """The part with one attribute set on the start tag found at ``at``."""
    tag = tag_at(xml, at)
    return xml[:at] + with_attribute(tag[0], name, value) + xml[tag.end():]


def prefixed(xml: bytes, prefix: bytes) -> bytes:
    """Unprefixed element names given the part's prefix for the main namespace."""
    if not prefix:
        return xml
    return _UNPREFIXED_TAG.sub(lambda m: b"<" + m[1] + prefix, xml)


def namespace_prefix(xml: bytes, uri: str) -> bytes | None:
    """The prefix (with its colon, b"" for the default) bound to ``uri`` on the root."""
    top = root(xml)
    for name, value in attributes(xml[top.start:top.content]).items():
        if value == uri:
            if name == "xmlns":
                return b""
            if name.startswith("xmlns:"):
                return name[6:].encode() + b":"
    return None


def escape(value: str) -> str:
    """Text for element content, without the characters XML cannot hold."""
    return _ILLEGAL.sub("", value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attribute(value: str) -> str:
    return escape(value).replace('"', "&quot;")


def cell_text(value: str) -> str:
    """A cell's text: escaped, with Excel's own _xHHHH_ escapes kept literal
    ("_x0041_" stays that, not "A")."""
    return escape(_ESCAPED_CHAR.sub(r"_x005F_\1", value))


def canonical(element: Element) -> str:
    """An element as text, attributes sorted and main-namespace names unprefixed: two
    styles are the same when their canonical texts are (whoever wrote them). Names in
    other namespaces keep their {uri}: such a text is for comparing only."""
    tag = _plain_name(element.tag)
    attrs = "".join(f' {_plain_name(key)}="{attribute(value)}"'
                    for key, value in sorted(element.attrib.items()))
    inner = escape(element.text.strip()) if element.text and element.text.strip() else ""
    inner += "".join(canonical(child) for child in element)
    return f"<{tag}{attrs}>{inner}</{tag}>" if inner else f"<{tag}{attrs}/>"


def _plain_name(name: str) -> str:
    """Main-namespace (or namespace-less) names bare; any other keeps its namespace."""
    for namespace in (NS_MAIN, NS_STRICT):
        if name.startswith("{" + namespace + "}"):
            return name[len(namespace) + 2:]
    return name


def unescape(value: str) -> str:
    return html.unescape(value)
