"""The output package: every part of the source, byte for byte, unless the tool changed,
removed or added it; saved into a stream as a deterministic zip.

Deterministic: parts keep the source's order (new ones follow, in the order made),
every entry has the same fixed timestamp and attributes, so the same parts always give
the same file, and a re-run on the tool's own output gives it back unchanged.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Container, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

if TYPE_CHECKING:  # only a type here: the package's checks stay out of the import chain
    from .package import Package

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # what Excel itself writes
COMPRESS_LEVEL = 1  # a quarter of the time of level 6, for a quarter more bytes


Entry = tuple[int, int, int, int, bytes]  # method, CRC-32, compressed size, size, stored bytes
EARLY_PACKING = 1 << 20  # a changed part this big is compressed as soon as it is written


class PackageParts:
    """Read the source's parts, change some, save them all. A big part is compressed in
    the background as soon as it is written (zlib lets go of the GIL), while the next is
    being made, and then kept compressed only (read inflates it again: a big sheet is
    seldom read after it is written, and held whole it would hold memory); close() when
    done."""

    def __init__(self, source: Package) -> None:
        self.source = source
        self._order = [info.filename for info in source.zip.infolist()]
        self._stored = {name.casefold(): name for name in self._order}
        self._changed: dict[str, bytes] = {}
        self._removed: set[str] = set()  # still in _order: a part written again keeps its place
        self._packer = ThreadPoolExecutor(max_workers=2, thread_name_prefix="deflate")
        self._packing: dict[str, Future[Entry]] = {}

    def close(self) -> None:
        self._packer.shutdown(cancel_futures=True)

    def find(self, name: str) -> str | None:
        """The part's name as stored (OPC names ignore case), None when there is none."""
        stored = self._stored.get(name.casefold())
        return None if stored in self._removed else stored

    def __contains__(self, name: str) -> bool:
        return self.find(name) is not None

    @property
    def names(self) -> list[str]:
        return [name for name in self._order if name not in self._removed]

    def read(self, name: str) -> bytes:
        stored = self.find(name)
        if stored is None:
            raise KeyError(name)
        self._keep_packed_only()
        if stored in self._changed:
            return self._changed[stored]
        if stored in self._packing:
            return _inflated(self._packing[stored].result())
        return self.source.read(stored)

    def write(self, name: str, data: bytes) -> None:
        stored = self._replacing(name)
        self._changed[stored] = data
        if len(data) >= EARLY_PACKING:
            self._packing[stored] = self._packer.submit(_deflated, (data,))

    def write_pieces(self, name: str, pieces: Sequence[bytes | memoryview]) -> None:
        """``write``, the part given in pieces to join: a big one is compressed from them
        in the background, never held whole (the pieces go once it is packed)."""
        if sum(map(len, pieces)) < EARLY_PACKING:
            self.write(name, b"".join(pieces))
            return
        self._packing[self._replacing(name)] = self._packer.submit(_deflated, pieces)

    def _replacing(self, name: str) -> str:
        """The stored name of a part about to be written, its earlier bytes let go of."""
        stored = self._stored.get(name.casefold())
        if stored is None:
            stored = name
            self._order.append(name)
            self._stored[name.casefold()] = name
        self._keep_packed_only()
        self._removed.discard(stored)
        self._changed.pop(stored, None)
        self.source.forget(stored)
        self._packing.pop(stored, None)
        return stored

    def _keep_packed_only(self) -> None:
        """The parts compressed by now let go of their inflated bytes."""
        for name, packing in self._packing.items():
            if name in self._changed and packing.done() and not packing.cancelled() \
                    and packing.exception() is None:
                del self._changed[name]

    def remove(self, name: str) -> None:
        stored = self.find(name)
        if stored is not None:
            self._removed.add(stored)
            self._changed.pop(stored, None)
            self._packing.pop(stored, None)

    def free_name(self, pattern: str, taken: Container[str] = ()) -> str:
        """The first name of the pattern's kind that no part has and is not ``taken``
        (casefolded): "xl/charts/chart{}.xml" -> "xl/charts/chart3.xml"."""
        number = 1
        while pattern.format(number) in self or pattern.format(number).casefold() in taken:
            number += 1
        return pattern.format(number)

    def save(self, stream: BinaryIO) -> None:
        """The parts as a zip: a part the tool did not change is copied as the source
        stored it, compressed bytes and all; the others are compressed two at a time,
        then written in order."""
        entries = [(name, self._packing.get(name) or self._packer.submit(self._entry, name))
                   for name in self.names]
        central, offset = [], 0
        for name, entry in entries:
            method, crc, compressed, size, data = entry.result()
            header = _Header(name, method, crc, compressed, size)
            local = header.local()
            stream.write(local)
            stream.write(data)
            central.append(header.central(offset))
            offset += len(local) + len(data)
        directory = b"".join(central)
        if offset + len(directory) >= 0xFFFFFFFF:
            raise ValueError("the workbook would be over 4 GB, more than a zip without "
                             "ZIP64 holds")
        stream.write(directory)
        stream.write(_END.pack(_END_SIGNATURE, 0, 0, len(central), len(central),
                               len(directory), offset, 0))

    def _entry(self, name: str) -> Entry:
        if name not in self._changed and name not in self._packing:
            raw = self.source.raw(name)
            if raw is not None:
                return raw
        return _deflated((self.read(name),))


def _inflated(entry: Entry) -> bytes:
    return zlib.decompress(entry[4], -zlib.MAX_WBITS)


def _deflated(pieces: Sequence[bytes | memoryview]) -> Entry:
    """The pieces joined, compressed (a few at a time: the whole is never made)."""
    deflate = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    packed, crc, size = [], 0, 0
    for chunk in _chunks(pieces):
        packed.append(deflate.compress(chunk))
        crc, size = zlib.crc32(chunk, crc), size + len(chunk)
    packed.append(deflate.flush())
    data = b"".join(packed)
    return zipfile.ZIP_DEFLATED, crc, len(data), size, data


def _chunks(pieces: Sequence[bytes | memoryview]) -> Iterator[bytes | memoryview]:
    """The pieces, small ones joined into chunks of about EARLY_PACKING bytes (zlib's
    output does not depend on how its input is cut)."""
    waiting: list[bytes | memoryview] = []
    waiting_size = 0
    for piece in pieces:
        waiting.append(piece)
        waiting_size += len(piece)
        if waiting_size >= EARLY_PACKING:
            yield b"".join(waiting) if len(waiting) > 1 else waiting[0]
            waiting, waiting_size = [], 0
    if waiting:
        yield b"".join(waiting) if len(waiting) > 1 else waiting[0]


_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_END_SIGNATURE = b"PK\x05\x06"
_DOS_DATE = (FIXED_TIME[0] - 1980) << 9 | FIXED_TIME[1] << 5 | FIXED_TIME[2]  # time 00:00:00
_UTF8_NAME = 0x800
_VERSION = 20  # 2.0: deflate; made by MS-DOS (0), as Excel writes it


class _Header(NamedTuple):
    """One entry's headers, as APPNOTE.TXT (the zip specification) lays them out; no data
    descriptors, no extra fields, no ZIP64 (the package limits keep far below 4 GB)."""
    name: str
    method: int
    crc: int
    compressed: int
    size: int

    def flags_and_name(self) -> tuple[int, bytes]:
        encoded = self.name.encode()
        return (_UTF8_NAME if not self.name.isascii() else 0), encoded

    def local(self) -> bytes:
        flags, encoded = self.flags_and_name()
        return _LOCAL.pack(b"PK\x03\x04", _VERSION, flags, self.method, 0, _DOS_DATE,
                           self.crc, self.compressed, self.size, len(encoded), 0) + encoded

    def central(self, offset: int) -> bytes:
        flags, encoded = self.flags_and_name()
        return _CENTRAL.pack(b"PK\x01\x02", _VERSION, _VERSION, flags, self.method, 0,
                             _DOS_DATE, self.crc, self.compressed, self.size, len(encoded),
                             0, 0, 0, 0, 0, offset) + encoded
