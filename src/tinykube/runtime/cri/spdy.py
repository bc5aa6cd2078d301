"""A minimal SPDY/3.1 client for the CRI streaming server (the URL the CRI's `Exec` returns).

containerd 1.6 serves the kubelet's streaming code, which speaks SPDY and WebSocket. WebSocket
there offers only the v4 channel protocols, which cannot half-close stdin (`echo hi | kubectl
exec -i POD -- cat` would never see EOF); SPDY streams can (a DATA frame with FLAG_FIN), so exec
uses SPDY. Only what a remotecommand client needs is here:

- the HTTP/1.1 upgrade (`Upgrade: SPDY/3.1`, `X-Stream-Protocol-Version` offers, 101 answer);
- client streams (SYN_STREAM with a header block: zlib, without SPDY's preset dictionary,
  which a zlib reader only uses when the stream's FDICT flag asks for it), DATA frames, FIN;
- received DATA frames queued per stream (FIN or RST_STREAM end one, GOAWAY or EOF all);
  PINGs echoed; the server's own header blocks are not needed and never decompressed.
  No WINDOW_UPDATE is sent: the server (moby/spdystream) does not enforce windows, and frames
  still in flight when it closes the connection would make it reset it, losing the final
  Status.

Frames (big-endian):

    control  [1 | version 15 bits][type 16][flags 8][length 24] payload
    data     [0 | stream id 31 bits][flags 8][length 24] payload
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import urllib.parse
import zlib
from typing import Final

from tinykube.runtime import contract

VERSION: Final = 3
SYN_STREAM: Final = 1
SYN_REPLY: Final = 2
RST_STREAM: Final = 3
PING: Final = 6
GOAWAY: Final = 7
FLAG_FIN: Final = 0x01
MAX_DATA: Final = 32 * 1024
UPGRADE_SECONDS: Final = 10.0


class SpdyError(contract.RuntimeFailure):
    pass


def header_block(pairs: dict[str, str]) -> bytes:
    """An uncompressed SPDY/3 name/value block (names lowercase)."""
    out = bytearray(struct.pack(">I", len(pairs)))
    for name, value in pairs.items():
        for text in (name.lower().encode(), value.encode()):
            out += struct.pack(">I", len(text)) + text
    return bytes(out)


def control_frame(kind: int, flags: int, payload: bytes) -> bytes:
    return struct.pack(">HHI", 0x8000 | VERSION, kind, (flags << 24) | len(payload)) + payload


def data_frame(stream_id: int, data: bytes, *, fin: bool = False) -> bytes:
    flags = FLAG_FIN if fin else 0
    return struct.pack(">II", stream_id & 0x7FFFFFFF, (flags << 24) | len(data)) + data


class SpdyConnection:
    """One upgraded connection: client-initiated streams, their received data queued."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, protocol: str
    ) -> None:
        self.protocol = protocol
        self._reader = reader
        self._writer = writer
        self._compressor = zlib.compressobj()
        self._next_id = 1
        self._received: dict[int, asyncio.Queue[bytes | None]] = {}
        self._ended: set[int] = set()
        self._lock = asyncio.Lock()
        self._pump = asyncio.get_running_loop().create_task(self._read_frames())

    @classmethod
    async def upgrade(cls, url: str, protocols: tuple[str, ...]) -> SpdyConnection:
        """POST to `url` asking for SPDY with the channel `protocols`, in preference order."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None:
            raise SpdyError(f"not supported: streaming URL {url!r} (plain http only)")
        try:
            async with asyncio.timeout(UPGRADE_SECONDS):
                reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
                offers = "".join(f"X-Stream-Protocol-Version: {name}\r\n" for name in protocols)
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                writer.write(
                    (
                        f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                        "Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                        f"{offers}Content-Length: 0\r\n\r\n"
                    ).encode()
                )
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
            raise SpdyError(f"cannot reach the streaming server at {url}: {exc}") from exc
        status_line, *header_lines = head.split("\r\n")
        status = status_line.split(" ", 2)
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in header_lines if line)
        }
        if len(status) < 2 or status[1] != "101":
            body = b""
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1):
                    body = await reader.read(4096)
            writer.close()
            detail = body.decode("utf-8", "replace").strip() or status_line
            raise SpdyError(f"the streaming server refused the upgrade: {detail}")
        return cls(reader, writer, headers.get("x-stream-protocol-version", ""))

    async def open_stream(self, headers: dict[str, str]) -> int:
        """SYN_STREAM; returns the new stream's id."""
        async with self._lock:
            stream_id = self._next_id
            self._next_id += 2
            self._received[stream_id] = asyncio.Queue()
            block = self._compressor.compress(header_block(headers))
            block += self._compressor.flush(zlib.Z_SYNC_FLUSH)
            payload = struct.pack(">IIH", stream_id, 0, 0) + block
            self._writer.write(control_frame(SYN_STREAM, 0, payload))
            await self._drain()
        return stream_id

    async def write(self, stream_id: int, data: bytes, *, fin: bool = False) -> None:
        async with self._lock:
            for start in range(0, len(data), MAX_DATA):
                chunk = data[start : start + MAX_DATA]
                last = start + MAX_DATA >= len(data)
                self._writer.write(data_frame(stream_id, chunk, fin=fin and last))
            if not data and fin:
                self._writer.write(data_frame(stream_id, b"", fin=True))
            await self._drain()

    async def _drain(self) -> None:
        if self._writer.is_closing():
            raise SpdyError("the streaming connection is closed")
        try:
            await self._writer.drain()
        except ConnectionError as exc:
            raise SpdyError(f"the streaming connection broke: {exc}") from exc

    async def read(self, stream_id: int) -> bytes | None:
        """The next data received on a stream; None once it has ended."""
        if stream_id in self._ended:
            return None
        data = await self._received[stream_id].get()
        if data is None:
            self._ended.add(stream_id)
        return data

    def _end(self, stream_id: int) -> None:
        queue = self._received.get(stream_id)
        if queue is not None:
            queue.put_nowait(None)

    async def _read_frames(self) -> None:
        try:
            while True:
                head = await self._reader.readexactly(8)
                first, second = struct.unpack(">II", head)
                flags, length = second >> 24, second & 0xFFFFFF
                payload = await self._reader.readexactly(length)
                if first & 0x80000000:
                    kind = first & 0xFFFF
                    if kind == RST_STREAM:
                        self._end(struct.unpack(">I", payload[:4])[0] & 0x7FFFFFFF)
                    elif kind == PING:
                        async with self._lock:
                            self._writer.write(head + payload)
                    elif kind == GOAWAY:
                        break
                    elif kind == SYN_REPLY and flags & FLAG_FIN:
                        self._end(struct.unpack(">I", payload[:4])[0] & 0x7FFFFFFF)
                    continue
                queue = self._received.get(first & 0x7FFFFFFF)
                if queue is None:
                    continue
                if payload:
                    queue.put_nowait(payload)
                if flags & FLAG_FIN:
                    queue.put_nowait(None)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            for stream_id in self._received:
                self._end(stream_id)

    async def close(self) -> None:
        self._pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._pump
        self._writer.close()
        with contextlib.suppress(ConnectionError):
            await self._writer.wait_closed()
