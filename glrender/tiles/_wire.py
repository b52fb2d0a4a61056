"""Vectorised protobuf wire-format helpers used by the MVT decoder.

Instead of parsing one message at a time, these functions advance *all* messages of a kind (e.g. every
feature of the chosen layers of a tile) one field per numpy step, so the Python cost is per field position,
not per message. Messages are ``[start, stop)`` offsets into one buffer, the whole decompressed tile.
"""

from __future__ import annotations

import numpy as np

from glrender.errors import TileError

_U64 = np.uint64


def ranges_index(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + n)`` for every (s, n), without a Python loop."""
    keep = lengths > 0
    s, n = starts[keep], lengths[keep]
    total = int(n.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    # steps of 1, with a jump where each range begins, summed in place: one array of the output's size
    # (tile-sized temporaries are fresh pages, so each costs page faults in a new process)
    idx = np.ones(total, dtype=np.int64)
    idx[0] = s[0]
    idx[(np.cumsum(n) - n)[1:]] = s[1:] - (s[:-1] + n[:-1] - 1)
    return np.cumsum(idx, out=idx)


def decode_varints(buf: bytes | np.ndarray, what: str = "varints") -> np.ndarray:
    """Decode a packed run of varints into uint64 values (vectorised).

    A run ending mid-varint or a varint longer than 10 bytes raises :class:`TileError` naming ``what``.
    """
    b = np.frombuffer(buf, dtype=np.uint8) if not isinstance(buf, np.ndarray) else buf
    return decode_varints_ends(b, what)[0]


def decode_varints_ends(b: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`decode_varints` of ``b``, plus the position of each varint's last byte (None: every byte)."""
    n = b.size
    if n == 0:
        return np.zeros(0, dtype=_U64), None
    ends = b < 0x80
    if not ends[-1]:
        raise TileError(f"truncated varint at the end of {what} ({n} bytes)")
    end_idx = np.flatnonzero(ends)
    if end_idx.size == n:
        return b.astype(_U64), None  # fast path: every value below 128
    sizes = np.diff(end_idx, prepend=-1)
    if int(sizes.max()) > 10:
        raise TileError(f"varint longer than 10 bytes in {what}")
    # from each varint's last (most significant) byte backwards, one step per byte on the values that long:
    # most are 1-2 bytes, so this touches far fewer elements than shifting every byte into place
    val = b[end_idx].astype(_U64)
    idx = np.flatnonzero(sizes > 1)
    k = 1
    while idx.size:
        val[idx] = (val[idx] << _U64(7)) | (b[end_idx[idx] - k] & 0x7F)
        k += 1
        idx = idx[sizes[idx] > k]
    return val, end_idx


_SHIFTS = (np.arange(1, 10) * 7).astype(_U64)


def read_varints(buf: np.ndarray, pos: np.ndarray, limit: np.ndarray) -> tuple[np.ndarray, ...]:
    """Varints starting at ``pos``: (values, next positions, ok); not ok where one does not end before
    ``limit`` or is longer than 10 bytes (its value and next position are then meaningless).

    The first byte of all is read in one step; the rest of the multi-byte ones (ids, 64-bit values) in
    one window of their next 9 bytes, so the cost follows the varints read, not the buffer (a whole tile).
    """
    ok = pos < limit
    b = buf[np.where(ok, pos, 0)]
    val = (b & 0x7F).astype(_U64)
    nxt = pos + 1
    more = np.flatnonzero(ok & (b >= 0x80))
    if more.size:
        p = nxt[more]
        w = buf[np.minimum(p[:, None] + np.arange(9), buf.size - 1)]  # past the end: caught by the limit
        last = w < 0x80
        k = np.argmax(last, axis=1)  # index of the ending byte in the window
        end = p + k
        good = last[np.arange(more.size), k] & (end < limit[more])
        part = (w & 0x7F).astype(_U64) << _SHIFTS
        part[np.arange(9) > k[:, None]] = 0
        val[more] |= np.bitwise_or.reduce(part, axis=1)
        nxt[more] = end + 1
        ok[more[~good]] = False
    return val, nxt, ok


class Reader:
    """Random access to varints in one buffer: ``read(pos)`` decodes the varint at each position."""

    def __init__(self, buf: np.ndarray, what: str) -> None:
        self.buf = buf
        self.what = what

    def read(self, pos: np.ndarray, limit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Varints starting at ``pos`` (each must end before ``limit``); returns (values, next positions)."""
        val, nxt, ok = read_varints(self.buf, pos, limit)
        if not ok.all():
            return self._checked(pos, limit)  # for the error to report
        return val, nxt

    def _checked(self, pos: np.ndarray, limit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Like :meth:`read`, checking all varints first: truncation anywhere is reported before length."""
        end_idx = np.append(np.flatnonzero(self.buf < 0x80), self.buf.size)  # varint-ending bytes
        end = end_idx[np.searchsorted(end_idx, pos)]
        if (end >= limit).any():
            raise TileError(f"truncated varint in {self.what}")
        size = end - pos + 1
        if size.size and size.max() > 10:
            raise TileError(f"varint longer than 10 bytes in {self.what}")
        val = np.zeros(pos.size, dtype=_U64)
        for k in range(int(size.max(initial=0))):
            m = size > k
            val[m] |= (self.buf[pos[m] + k] & 0x7F).astype(_U64) << _U64(7 * k)
        return val, end + 1


def scan_messages(
    buf: np.ndarray, starts: np.ndarray, stops: np.ndarray, varint_fields: tuple[int, ...],
    bytes_fields: tuple[int, ...], what: str, max_fields: int = 256,
) -> tuple[dict[int, tuple[np.ndarray, np.ndarray]], dict[int, tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """Read fields of many messages ``buf[starts[i]:stops[i]]`` at once.

    Returns ``(varints, ranges, last)``: ``varints[f] = (present, value)`` for each field in
    ``varint_fields``; ``ranges[f] = (start, stop)`` byte ranges (empty when absent) for each field in
    ``bytes_fields`` (length-delimited payloads, or the 4/8 bytes of fixed32/fixed64 fields); ``last`` is
    the number of the last requested field seen in each message (0 when none). Repeated occurrences keep
    the last (protobuf's rule for singular fields); unknown fields are skipped.
    """
    n = starts.size
    rd = Reader(buf, what)
    varints = {f: (np.zeros(n, dtype=bool), np.zeros(n, dtype=_U64)) for f in varint_fields}
    ranges = {f: (np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)) for f in bytes_fields}
    last = np.zeros(n, dtype=np.int64)
    wanted = varint_fields + bytes_fields
    pos = starts.astype(np.int64)
    live = np.flatnonzero(pos < stops)
    steps = 0
    while live.size:
        steps += 1
        if steps > max_fields:
            # MVT messages have a handful of fields; thousands mean garbage, and each step costs numpy calls
            raise TileError(f"a message in {what} has more than {max_fields} fields")
        p = pos[live]
        lim = stops[live]
        key, p = rd.read(p, lim)
        field = (key >> _U64(3)).astype(np.int64)
        wt = (key & _U64(7)).astype(np.int64)
        newp = np.full(p.size, -1, dtype=np.int64)
        m = wt == 0
        if m.any():
            val, q = rd.read(p[m], lim[m])
            newp[m] = q
            for f in varint_fields:
                sel = field[m] == f
                if sel.any():
                    idx = live[m][sel]
                    varints[f][0][idx] = True
                    varints[f][1][idx] = val[sel]
            bad = np.zeros(int(m.sum()), dtype=bool)
            for f in bytes_fields:
                bad |= field[m] == f
            if bad.any():
                raise TileError(f"field {int(field[m][bad][0])} of {what} has the wrong wire type (0)")
        m = wt == 2
        if m.any():
            ln, q = rd.read(p[m], lim[m])
            e = q + ln.astype(np.int64)
            if (e > lim[m]).any():
                raise TileError(f"length-delimited field overruns its message in {what}")
            newp[m] = e
            for f in bytes_fields:
                sel = field[m] == f
                if sel.any():
                    idx = live[m][sel]
                    ranges[f][0][idx] = q[sel]
                    ranges[f][1][idx] = e[sel]
        for w, size in ((1, 8), (5, 4)):
            m = wt == w
            if m.any():
                newp[m] = p[m] + size
                for f in bytes_fields:
                    sel = field[m] == f
                    if sel.any():
                        idx = live[m][sel]
                        ranges[f][0][idx] = p[m][sel]
                        ranges[f][1][idx] = p[m][sel] + size
        if (newp < 0).any():
            bad_wt = int(wt[newp < 0][0])
            raise TileError(f"unsupported wire type {bad_wt} in {what}")
        if (newp > lim).any():
            raise TileError(f"fixed-size field overruns its message in {what}")
        known = np.zeros(field.size, dtype=bool)
        for f in wanted:
            known |= field == f
        last[live[known]] = field[known]
        pos[live] = newp
        live = live[newp < lim]
    return varints, ranges, last
