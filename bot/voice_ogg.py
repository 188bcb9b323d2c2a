"""Read an Ogg/Opus file's headers: channels, pre-skip and how long it plays.

Telegram shows a voice note's length from the `duration` we send with it, and the tests use the same
reader to check that what opusenc made is real Ogg/Opus. Format: RFC 3533 (Ogg) and RFC 7845 (Opus in Ogg).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

OPUS_GRANULE_RATE = 48_000  # Opus granule positions always count 48 kHz samples (RFC 7845 section 4)
_PAGE_HEADER = struct.Struct("<4sBBqIIIB")  # capture, version, flags, granule, serial, sequence, crc, segments
_OPUS_HEAD = struct.Struct("<8sBBHIhB")  # magic, version, channels, pre-skip, input rate, gain, mapping


class NotOggOpus(ValueError):
    """The bytes are not a whole, well-formed Ogg/Opus stream."""


@dataclass(frozen=True)
class OggPage:
    granule_position: int
    serial: int
    sequence: int
    payload: bytes


@dataclass(frozen=True)
class OpusInfo:
    channels: int
    pre_skip: int
    input_sample_rate: int
    page_count: int
    last_granule_position: int

    @property
    def duration_seconds(self) -> float:
        return max(0, self.last_granule_position - self.pre_skip) / OPUS_GRANULE_RATE


def _crc_table() -> tuple[int, ...]:
    table = []
    for index in range(256):
        value = index << 24
        for _ in range(8):
            value = ((value << 1) ^ 0x04C11DB7) if value & 0x80000000 else value << 1
        table.append(value & 0xFFFFFFFF)
    return tuple(table)


_CRC_TABLE = _crc_table()


def ogg_crc(page: bytes) -> int:
    """Ogg's page checksum: CRC-32, polynomial 0x04C11DB7, not reflected, starting at 0."""
    crc = 0
    for byte in page:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC_TABLE[(crc >> 24) ^ byte]
    return crc


def ogg_pages(data: bytes, *, check_crc: bool = False) -> list[OggPage]:
    """Every page in `data`, in order; NotOggOpus if any page is cut short or damaged."""
    pages: list[OggPage] = []
    offset = 0
    while offset < len(data):
        if len(data) - offset < _PAGE_HEADER.size:
            raise NotOggOpus(f"cut short at byte {offset}")
        capture, version, _flags, granule, serial, sequence, crc, segment_count = _PAGE_HEADER.unpack_from(
            data, offset
        )
        if capture != b"OggS" or version != 0:
            raise NotOggOpus(f"no Ogg page at byte {offset}")
        table_start = offset + _PAGE_HEADER.size
        lacing = data[table_start : table_start + segment_count]
        payload_start = table_start + segment_count
        payload_end = payload_start + sum(lacing)
        if len(lacing) != segment_count or payload_end > len(data):
            raise NotOggOpus(f"page at byte {offset} is cut short")
        if check_crc:
            page = bytearray(data[offset:payload_end])
            page[22:26] = b"\0\0\0\0"  # the checksum is computed with its own field zeroed
            if ogg_crc(bytes(page)) != crc:
                raise NotOggOpus(f"page at byte {offset} fails its checksum")
        pages.append(OggPage(granule, serial, sequence, data[payload_start:payload_end]))
        offset = payload_end
    return pages


def read_opus_info(data: bytes, *, check_crc: bool = False) -> OpusInfo:
    """Headers and length of a single-stream Ogg/Opus file; NotOggOpus if it is not one."""
    pages = ogg_pages(data, check_crc=check_crc)
    if len(pages) < 3:
        raise NotOggOpus("an Opus stream needs a head page, a tags page and at least one audio page")
    head = pages[0].payload
    if len(head) < _OPUS_HEAD.size or not head.startswith(b"OpusHead"):
        raise NotOggOpus("first page is not an OpusHead")
    _magic, version, channels, pre_skip, input_rate, _gain, _mapping = _OPUS_HEAD.unpack_from(head)
    if version >> 4 != 0 or channels == 0:
        raise NotOggOpus("OpusHead has an unknown version or no channels")
    if not pages[1].payload.startswith(b"OpusTags"):
        raise NotOggOpus("second page is not OpusTags")
    if len({page.serial for page in pages}) != 1:
        raise NotOggOpus("more than one logical stream")
    return OpusInfo(
        channels=channels,
        pre_skip=pre_skip,
        input_sample_rate=input_rate,
        page_count=len(pages),
        last_granule_position=pages[-1].granule_position,
    )
