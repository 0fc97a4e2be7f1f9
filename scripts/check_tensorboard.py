#!/usr/bin/env python3
"""Check that event files written by the Rust `SummaryWriter` are read by TensorBoard.

    python scripts/check_tensorboard.py EVENTS_DIR

First checks every event file's TFRecord framing and both CRC-32C checksums of every record
with an independent pure-Python implementation: TensorBoard's reader stops silently at a bad
record, so it alone would not catch a wrong checksum. Then loads EVENTS_DIR with TensorBoard's
EventAccumulator and prints every scalar tag with its (step, value) list. Exits non-zero on a
bad record, or if no scalar was read.

Needs `pip install tensorboard`.
"""

import os
import struct
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def _crc32c_table():
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def check_records(path):
    """Return the number of records in `path`, raising ValueError on bad framing or CRC."""
    data = open(path, "rb").read()
    offset, count = 0, 0
    while offset < len(data):
        if offset + 12 > len(data):
            raise ValueError(f"{path}: truncated header at byte {offset}")
        header = data[offset : offset + 8]
        (length,) = struct.unpack("<Q", header)
        (header_crc,) = struct.unpack("<I", data[offset + 8 : offset + 12])
        if header_crc != masked_crc32c(header):
            raise ValueError(f"{path}: record {count}: bad length CRC")
        start, end = offset + 12, offset + 12 + length
        if end + 4 > len(data):
            raise ValueError(f"{path}: record {count}: truncated data")
        (data_crc,) = struct.unpack("<I", data[end : end + 4])
        if data_crc != masked_crc32c(data[start:end]):
            raise ValueError(f"{path}: record {count}: bad data CRC")
        offset, count = end + 4, count + 1
    return count


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    events_dir = sys.argv[1]
    files = sorted(f for f in os.listdir(events_dir) if "tfevents" in f)
    if not files:
        print(f"no event files in {events_dir}", file=sys.stderr)
        return 1
    for name in files:
        try:
            count = check_records(os.path.join(events_dir, name))
        except ValueError as e:
            print(e, file=sys.stderr)
            return 1
        print(f"{name}: {count} records, framing and CRCs OK")

    accumulator = EventAccumulator(events_dir, size_guidance={"scalars": 0})
    accumulator.Reload()
    tags = accumulator.Tags()["scalars"]
    for tag in sorted(tags):
        points = [(event.step, event.value) for event in accumulator.Scalars(tag)]
        print(f"{tag}: {points}")
    if not tags:
        print(f"TensorBoard read no scalars from {events_dir}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
