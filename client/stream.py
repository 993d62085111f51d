"""``parley stream``: send audio to a Parley server and show the captions as they come.

:func:`stream_audio` is the reusable core (tests and benchmarks call it): one session over one
WebSocket, as ``docs/protocol.md`` describes. :func:`add_arguments` and :func:`run` are the command
line around it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import enum
import json
import os
import signal
import ssl
import sys
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, Final, Literal, TypeAlias

import numpy as np
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from parley.config import Config
from parley.samples import SAMPLE_ALIAS, pyannote_sample

from . import formats
from .audio_source import (
    BYTES_PER_SAMPLE,
    FILE_SAMPLE_RATE,
    AudioSourceError,
    decode_file,
    pcm_chunk_bytes,
    read_pcm_stream,
)
from .view import CaptionView

MAX_INCOMING_BYTES = 64 * 1024 * 1024  # largest server message accepted (a final with its words is ~kB)
READY_TIMEOUT_S = 60.0  # from `start` to `ready`
DONE_TIMEOUT_S = 300.0  # from `stop` to `done`: the server may still have a backlog to transcribe


class _Default(enum.Enum):
    SERVER = "server default"


SERVER_DEFAULT: Final = _Default.SERVER  # `language` not sent: the server's configured default applies
Language: TypeAlias = str | Literal[_Default.SERVER] | None


@dataclasses.dataclass
class StreamResult:
    """Everything a session produced, in the order it arrived.

    ``finals`` and ``partials`` are the server's messages, each plus ``emitted_at``: the seconds of
    audio the client had sent when it arrived (its latency is ``emitted_at - end``). ``speakers``
    maps speaker id to name, from the latest ``speakers`` roster. ``done`` is None when the session
    ended without one (see :class:`StreamError`).
    """

    ready: dict[str, Any] = dataclasses.field(default_factory=dict)
    finals: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    partials: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    speakers: dict[str, str] = dataclasses.field(default_factory=dict)
    errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    languages: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # `language` messages
    done: dict[str, Any] | None = None


class StreamError(Exception):
    """A session that failed: a fatal server error, a close before ``done``, no connection, a timeout.

    ``result`` holds what was received before the failure; ``code`` is the server's error code when
    it sent one.
    """

    def __init__(self, message: str, result: StreamResult, code: str | None = None):
        super().__init__(message)
        self.result = result
        self.code = code


def iter_pcm_chunks(
    samples: np.ndarray, chunk_ms: int = 100, sample_rate: int = FILE_SAMPLE_RATE
) -> Iterator[bytes]:
    """Float samples in [-1, 1] (1-D, mono) as ``pcm_s16le`` chunks of ``chunk_ms`` (the last may be shorter).

    Values outside [-1, 1] are clipped; a sample ``x`` becomes ``round(x * 32768)``, capped at 32767.
    """
    if samples.ndim != 1:
        raise ValueError(f"expected mono samples (a 1-D array), got shape {samples.shape}")
    chunk_samples = sample_rate * chunk_ms // 1000
    if chunk_samples < 1:
        raise ValueError(f"a chunk of {chunk_ms} ms at {sample_rate} Hz holds no sample")
    for offset in range(0, len(samples), chunk_samples):
        chunk = samples[offset : offset + chunk_samples].astype(np.float64)
        yield np.clip(np.round(chunk * 32768.0), -32768, 32767).astype("<i2").tobytes()


RESUMABLE_ERRORS = frozenset({"slow_reader"})  # fatal for the connection, not for the session
RESEND_PIECE_BYTES = 32_000  # audio resent after a resume goes in frames of at most this size
# Audio in flight (sent, not yet acknowledged): beyond it the sender waits for the server's `ack`. It
# bounds the resend buffer, and keeps the audio queued in TCP ahead of a keepalive ping short: a
# server behind on processing stops reading (back-pressure), and a ping stuck behind minutes of
# audio times out (close 1011).
MAX_UNACKED_S = 10.0


class _Dropped(Exception):
    """The connection broke without ending the session: reconnect and resume it."""


class _Session:
    """The state one session shares between its connections, its sender and its receiver."""

    def __init__(
        self, bytes_per_second: float, frame_bytes: int, on_event: Callable[[dict[str, Any]], None] | None
    ):
        self.result = StreamResult()
        self.bytes_per_second = bytes_per_second
        self.frame_bytes = frame_bytes  # bytes of one sample of every channel (the unit of `ack`)
        self.bytes_sent = 0  # audio handed to a socket (each byte counted once, resends aside)
        self.unacked = bytearray()  # audio sent but not yet acknowledged (resent after a resume)
        self.unacked_from = 0  # byte offset of unacked[0] in the stream
        self.audio_ended = False  # the source is exhausted (then `stop` is due)
        self.in_hand: bytes | None = None  # taken from the source, not yet sent
        self.acked = asyncio.Event()  # set whenever an `ack` frees part of the resend buffer
        self.fatal: dict[str, Any] | None = None
        self.last_final_id = 0
        self._on_event = on_event

    @property
    def seconds_sent(self) -> float:
        """Seconds of audio sent so far."""
        return self.bytes_sent / self.bytes_per_second

    @property
    def session_id(self) -> str | None:
        return self.result.ready.get("session_id")

    def failure(self, message: str) -> StreamError:
        """A StreamError carrying the result so far (and the server's fatal error, when it sent one)."""
        if self.fatal is not None:
            reason = f"server error ({self.fatal.get('code')}): {self.fatal.get('message')}"
            return StreamError(reason, self.result, self.fatal.get("code"))
        return StreamError(message, self.result)

    def sent(self, chunk: bytes) -> None:
        """``chunk`` is about to go out: keep it until the server acknowledges it."""
        self.unacked += chunk
        self.bytes_sent += len(chunk)

    async def room_to_send(self) -> None:
        """Wait while ``MAX_UNACKED_S`` of audio waits for the server's ``ack`` (bounds the resend buffer)."""
        while len(self.unacked) > MAX_UNACKED_S * self.bytes_per_second:
            self.acked.clear()
            await self.acked.wait()

    def acknowledge(self, samples: int) -> None:
        """The server holds the first ``samples`` samples: forget them."""
        upto = samples * self.frame_bytes
        if upto > self.unacked_from:
            drop = min(upto - self.unacked_from, len(self.unacked))
            del self.unacked[:drop]
            self.unacked_from += drop
            self.acked.set()

    def record(self, raw: str | bytes) -> dict[str, Any] | None:
        """Parse one server message, file it in the result, pass it to ``on_event``, and return it.

        A final replayed after a resume that was already received is dropped (None).
        """
        message = self._parse(raw)
        kind = message["type"]
        if isinstance(message.get("ack"), int):
            self.acknowledge(message["ack"])
        if kind == "final" and isinstance(message.get("id"), int):
            if message["id"] <= self.last_final_id:
                return None
            self.last_final_id = message["id"]
        if kind in ("final", "partial"):
            message = {**message, "emitted_at": self.seconds_sent}
            (self.result.finals if kind == "final" else self.result.partials).append(message)
        elif kind == "speakers":
            self.result.speakers = {entry["id"]: entry["name"] for entry in message.get("speakers", [])}
        elif kind == "speaker_update":
            finals = self.result.finals
            for index in range(len(finals) - 1, -1, -1):  # revisions are of recent finals: search back
                if finals[index].get("id") == message.get("id"):
                    finals[index] = formats.apply_speaker_update(finals[index], message)
                    break
        elif kind == "language":
            self.result.languages.append(message)
        elif kind == "error":
            self.result.errors.append(message)
            if message.get("fatal") and message.get("code") not in RESUMABLE_ERRORS:
                self.fatal = message
        elif kind == "ready":
            self.result.ready = message
        elif kind == "done":
            self.result.done = message
        if self._on_event is not None:
            self._on_event(message)
        return message

    def _parse(self, raw: str | bytes) -> dict[str, Any]:
        """A server message as a dict with a ``type``; anything else is a protocol violation."""
        if isinstance(raw, bytes):
            raise self.failure("the server sent a binary frame; is this a Parley server?")
        try:
            message = json.loads(raw)
        except json.JSONDecodeError:
            message = None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise self.failure(f"the server sent a message that is not a protocol object: {raw[:200]!r}")
        return message


async def stream_audio(
    url: str,
    chunks: AsyncIterable[bytes] | Iterable[bytes],
    *,
    sample_rate: int = FILE_SAMPLE_RATE,
    encoding: str = "pcm_s16le",
    channels: int = 1,
    language: Language = SERVER_DEFAULT,
    task: str = "transcribe",
    partials: bool = True,
    session_name: str | None = None,
    speakers: int | None = None,
    max_speakers: int | None = None,
    keyterms: list[str] | None = None,
    speed: float = 1.0,
    on_event: Callable[[dict[str, Any]], None] | None = None,
    ready_timeout: float = READY_TIMEOUT_S,
    done_timeout: float = DONE_TIMEOUT_S,
    token: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
    resume: bool = True,
    on_connection: Callable[[ClientConnection], None] | None = None,
) -> StreamResult:
    """Run one session: send ``start``, the audio ``chunks`` paced at ``speed`` × real time, ``stop``.

    ``chunks`` are raw PCM bytes in ``encoding``/``channels``/``sample_rate``; they may split samples.
    A plain iterable is read on the event loop, so it must not block; wrap a blocking source in an
    async iterator. ``speed`` 0 sends as fast as the server accepts (TCP back-pressure); otherwise
    chunk *k* leaves no earlier than ``audio seconds before k / speed`` after the first chunk, on a
    monotonic clock, so pacing does not drift. ``language`` None asks the server to detect the
    language; :data:`SERVER_DEFAULT` leaves it to the server's configuration. ``session_name``
    names the session on the server's MQTT topics; ``speakers`` (how many people speak, when known)
    and ``max_speakers`` bound the speakers the server may find; ``keyterms`` are names and jargon
    to expect (``start.keyterms``). ``on_event`` is
    called with every server message as it arrives (finals and partials with ``emitted_at``).
    ``token`` is sent as ``Authorization: Bearer``; ``ssl_context`` verifies a ``wss://`` server.

    With ``resume`` (the default), a connection that breaks mid-session is re-opened with backoff
    and the session resumed (``docs/protocol.md``): the server replays the finals missed, the audio
    it had not acknowledged is sent again, and the result is that of an unbroken session.
    ``on_connection`` is called with every new connection (tests cut them).

    Returns once the server has sent ``done``. Raises StreamError, carrying what was received, on a
    fatal server error, a close before ``done`` that cannot be resumed, a connection failure, or no
    ``ready``/``done`` within ``ready_timeout``/``done_timeout`` seconds.
    """
    if speed < 0:
        raise ValueError(f"speed must be 0 (as fast as possible) or positive, got {speed}")
    frame_bytes = channels * BYTES_PER_SAMPLE[encoding]
    session = _Session(sample_rate * frame_bytes, frame_bytes, on_event)
    start = _start_message(sample_rate, encoding, channels, language, task, partials)
    if session_name is not None:
        start["session"] = session_name
    if speakers is not None:
        start["speakers"] = speakers
    if max_speakers is not None:
        start["max_speakers"] = max_speakers
    if keyterms:
        start["keyterms"] = list(keyterms)
    headers = {"Authorization": f"Bearer {token}"} if token else None
    feed: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=2)
    pump = asyncio.create_task(_pump(chunks, feed))
    started_at: list[float] = []  # the pacing clock, set when the first chunk goes out
    dropped_at: float | None = None
    attempt = 0
    try:
        while True:
            try:
                websocket = await connect(
                    url,
                    max_size=MAX_INCOMING_BYTES,
                    compression=None,
                    additional_headers=headers,
                    ssl=ssl_context,
                )
            except (OSError, InvalidHandshake, TimeoutError) as exc:
                if dropped_at is None or not _may_retry(exc):
                    raise session.failure(f"cannot connect to {url}: {exc}") from exc
                attempt = await _backoff(session, dropped_at, attempt, f"cannot reconnect to {url}: {exc}")
                continue
            except InvalidURI as exc:
                raise session.failure(f"cannot connect to {url}: {exc}") from exc
            if on_connection is not None:
                on_connection(websocket)
            try:
                async with websocket:
                    if dropped_at is None:
                        await websocket.send(json.dumps(start))
                        await _await_reply(websocket, session, "ready", ready_timeout)
                    else:
                        resume_message = {
                            "type": "resume",
                            "session_id": session.session_id,
                            "token": session.result.ready.get("resume_token"),
                            "last_final_id": session.last_final_id,
                        }
                        await websocket.send(json.dumps(resume_message))
                        await _await_reply(websocket, session, "resumed", ready_timeout)
                    dropped_at, attempt = None, 0
                    await _exchange(websocket, session, feed, speed, done_timeout, started_at)
                return session.result
            except _Dropped as drop:
                if not resume or session.session_id is None or not session.result.ready.get("resume_token"):
                    raise session.failure(str(drop)) from None
                if dropped_at is None:
                    dropped_at = time.monotonic()
                attempt = await _backoff(session, dropped_at, attempt, str(drop))
    finally:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pump


def _may_retry(exc: Exception) -> bool:
    """A failed reconnection worth another try: the network, or a busy or restarting server."""
    if isinstance(exc, InvalidStatus):
        return exc.response.status_code in (502, 503, 504)
    return True


async def _backoff(session: _Session, dropped_at: float, attempt: int, why: str) -> int:
    """Sleep before the next reconnection; StreamError once the server's grace window has passed."""
    grace = float(session.result.ready.get("resume_grace_s", 60.0))
    if time.monotonic() - dropped_at > grace:
        raise session.failure(
            f"{why}; gave up after {grace:.0f} s (the server keeps a dropped session that long)"
        )
    await asyncio.sleep(min(5.0, 0.2 * 2**attempt))
    return attempt + 1


async def _pump(chunks: AsyncIterable[bytes] | Iterable[bytes], feed: asyncio.Queue[bytes | None]) -> None:
    """Read the audio source into ``feed`` (None at its end), across reconnections."""
    async for chunk in _as_async(chunks):
        if chunk:
            await feed.put(chunk)
    await feed.put(None)


def _start_message(
    sample_rate: int, encoding: str, channels: int, language: Language, task: str, partials: bool
) -> dict[str, Any]:
    """The protocol's ``start`` message; ``language`` is left out for the server's default."""
    start: dict[str, Any] = {
        "type": "start",
        "sample_rate": sample_rate,
        "encoding": encoding,
        "channels": channels,
        "task": task,
        "partials": partials,
    }
    if language is not SERVER_DEFAULT:
        start["language"] = language
    return start


async def _await_reply(websocket: ClientConnection, session: _Session, kind: str, timeout: float) -> None:
    """Receive messages until ``kind`` (``ready`` or ``resumed``); StreamError on a fatal error or timeout."""
    try:
        async with asyncio.timeout(timeout):
            while session.fatal is None:
                message = session.record(await websocket.recv())
                if message is not None and message["type"] == kind:
                    return
    except TimeoutError:
        raise session.failure(f"no `{kind}` from the server within {timeout:.0f} s") from None
    except ConnectionClosed as exc:
        if kind == "resumed" and _is_drop(exc):
            raise _Dropped(f"the connection broke while resuming ({_close_reason(exc)})") from None
        raise session.failure(
            f"the server closed the connection before `{kind}` ({_close_reason(exc)})"
        ) from None
    raise session.failure("the server refused the session")


def _is_drop(exc: ConnectionClosed) -> bool:
    """A close that a resume may mend: no close frame (the network), or the server going away busy."""
    return exc.rcvd is None or exc.rcvd.code in (1006, 1012, 1013) or exc.rcvd.reason == "slow reader"


async def _exchange(
    websocket: ClientConnection,
    session: _Session,
    feed: asyncio.Queue[bytes | None],
    speed: float,
    done_timeout: float,
    started_at: list[float],
) -> None:
    """Send the audio and ``stop`` while receiving concurrently; return once ``done`` has arrived."""
    sender = asyncio.create_task(_send_audio(websocket, session, feed, speed, started_at))
    receiver = asyncio.create_task(_receive_until_done(websocket, session))
    try:
        await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
        if not receiver.done():
            await _await_receiver_after_sender(sender, receiver, session, done_timeout)
        receiver.result()  # raises the receiver's StreamError (or _Dropped), if it failed
    finally:
        for task in (sender, receiver):
            task.cancel()
        await asyncio.gather(sender, receiver, return_exceptions=True)


async def _await_receiver_after_sender(
    sender: asyncio.Task[None], receiver: asyncio.Task[None], session: _Session, done_timeout: float
) -> None:
    """Once the sender has ended: wait for ``done``, or learn from the receiver why the connection broke."""
    send_failure = sender.exception()
    if send_failure is None:  # `stop` was sent
        try:
            async with asyncio.timeout(done_timeout):
                await receiver
        except TimeoutError:
            raise session.failure(
                f"no `done` from the server within {done_timeout:.0f} s of `stop`"
            ) from None
        return
    if not isinstance(send_failure, ConnectionClosed):
        raise send_failure  # the audio source failed
    await asyncio.wait({receiver}, timeout=5.0)  # the close frame, and any fatal error before it
    if not receiver.done():
        raise _Dropped(f"the connection broke while sending audio ({_close_reason(send_failure)})")


async def _send_audio(
    websocket: ClientConnection,
    session: _Session,
    feed: asyncio.Queue[bytes | None],
    speed: float,
    started_at: list[float],
) -> None:
    """Resend what the server has not acknowledged, then every new chunk, paced, then ``stop``."""
    for offset in range(0, len(session.unacked), RESEND_PIECE_BYTES):
        await websocket.send(bytes(session.unacked[offset : offset + RESEND_PIECE_BYTES]))
    while not session.audio_ended:
        await session.room_to_send()
        if session.in_hand is None:  # a chunk taken from the feed stays in hand until it is sent
            session.in_hand = await feed.get()
            if session.in_hand is None:
                session.audio_ended = True
                break
        if not started_at:
            started_at.append(time.monotonic())
        if speed > 0:
            due_at = started_at[0] + session.seconds_sent / speed
            await asyncio.sleep(max(0.0, due_at - time.monotonic()))
        else:
            await asyncio.sleep(0)  # let the receiver stamp arriving captions with the audio sent so far
        chunk, session.in_hand = session.in_hand, None
        session.sent(chunk)  # kept until acknowledged, so a broken send is resent after a resume
        await websocket.send(chunk)
    await websocket.send(json.dumps({"type": "stop"}))


async def _receive_until_done(websocket: ClientConnection, session: _Session) -> None:
    """Record server messages until ``done``; StreamError on a fatal error, _Dropped on a broken link."""
    try:
        while session.fatal is None:
            message = session.record(await websocket.recv())
            if message is not None and message["type"] == "done":
                return
    except ConnectionClosed as exc:
        if _is_drop(exc):
            raise _Dropped(f"the connection broke ({_close_reason(exc)})") from None
        raise session.failure(
            f"the server closed the connection before `done` ({_close_reason(exc)})"
        ) from None
    raise session.failure("fatal server error")


async def _as_async(chunks: AsyncIterable[bytes] | Iterable[bytes]) -> AsyncIterator[bytes]:
    """Iterate a sync or an async iterable of chunks alike."""
    if isinstance(chunks, AsyncIterable):
        async for chunk in chunks:
            yield chunk
    else:
        for chunk in chunks:
            yield chunk


def _close_reason(exc: ConnectionClosed) -> str:
    """A close frame in words: ``code 1013: try again later`` or ``no close frame``."""
    close = exc.rcvd
    if close is None:
        return "no close frame"
    if close.code == 1013:
        return "code 1013: the server is busy, try again later"
    return f"code {close.code}" + (f": {close.reason}" if close.reason else "")


# --------------------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``parley stream`` to its subparser."""
    parser.add_argument(
        "source",
        help="audio or video file to stream, - for raw PCM on stdin, or 'sample' for the bundled sample",
    )
    parser.add_argument("--session", help="a name for the session (its MQTT topics), e.g. a meeting id")
    parser.add_argument("--speakers", type=int, metavar="N", help="how many people speak, when known")
    parser.add_argument("--max-speakers", type=int, metavar="N", help="at most N speakers")
    parser.add_argument(
        "--keyterm",
        action="append",
        metavar="TERM",
        help="a name or term to expect (repeatable): given to Whisper as a hint",
    )
    parser.add_argument("--url", help="server to use, ws://HOST:PORT (default: start one in this process)")
    parser.add_argument(
        "--speed",
        type=_non_negative_float,
        default=1.0,
        help="× real time (default 1; 0: as fast as possible)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="also write the captions to this .json, .srt, .vtt, .rttm or .html file (HTML embeds the file)",
    )
    parser.add_argument(
        "--language", help="ISO 639-1 code of the speech, or auto to detect it (default: the server's, en)"
    )
    parser.add_argument("--task", choices=("transcribe", "translate"), default="transcribe")
    stdin = parser.add_argument_group("raw PCM on stdin (source -)")
    stdin.add_argument("--rate", type=int, default=FILE_SAMPLE_RATE, help="sample rate in Hz (default 16000)")
    stdin.add_argument("--encoding", choices=tuple(BYTES_PER_SAMPLE), default="pcm_s16le")
    stdin.add_argument("--channels", type=int, choices=(1, 2), default=1)
    parser.add_argument("--chunk-ms", type=_positive_int, default=100, help="audio per frame (default 100)")
    parser.add_argument("--no-partials", action="store_true", help="show final captions only")
    parser.add_argument("--token", help="bearer token for a server with auth (default: $PARLEY_TOKEN)")
    parser.add_argument("--cafile", help="CA certificate(s) that signed a wss:// server's certificate")
    parser.add_argument(
        "--no-resume",
        action="store_true",
        help="fail when the connection breaks (default: resume the session)",
    )
    parser.add_argument("--quiet", action="store_true", help="print no captions (use with --out)")


def run(args: argparse.Namespace, config: Config) -> int:
    """``parley stream``: 0 on success, 1 when the session fails, 2 for bad input, 130 when aborted."""
    try:
        if args.out is not None:
            _check_out(args.out)
        source = _open_source(args)
    except (ValueError, AudioSourceError) as exc:
        print(f"parley: {exc}", file=sys.stderr)
        return 2
    view = None if args.quiet else CaptionView(show_partials=not args.no_partials)
    try:
        return asyncio.run(_run(args, config, source, view))
    except KeyboardInterrupt:
        print("parley: aborted", file=sys.stderr)
        return 130
    finally:
        _close_view(view)


def _check_out(out: Path) -> None:
    """Refuse (ValueError) an ``--out`` path that could not be written, before streaming into it."""
    formats.output_format(out)
    if not out.parent.is_dir():
        raise ValueError(f"cannot write captions to {out}: no directory {out.parent}")


@dataclasses.dataclass
class _Source:
    """The audio to send and its PCM format."""

    chunks: AsyncIterable[bytes] | Iterable[bytes]
    sample_rate: int
    encoding: str
    channels: int
    path: Path | None = None  # the recording, when it is a file (an HTML transcript embeds it)


def _open_source(args: argparse.Namespace) -> _Source:
    """The audio the command line names: a decoded file (16 kHz mono s16le), or raw PCM on stdin."""
    if args.source == "-":
        chunk_bytes = pcm_chunk_bytes(args.rate, args.encoding, args.channels, args.chunk_ms)
        return _Source(read_pcm_stream(_raw_stdin(), chunk_bytes), args.rate, args.encoding, args.channels)
    path = args.source
    if path == SAMPLE_ALIAS and not Path(path).exists():
        path = str(pyannote_sample().wav)
    samples = decode_file(path)
    return _Source(iter_pcm_chunks(samples, args.chunk_ms), FILE_SAMPLE_RATE, "pcm_s16le", 1, Path(path))


def _raw_stdin() -> BinaryIO:
    """Unbuffered stdin, left open for the life of the process.

    Each read returns what the pipe holds, and a reader thread still blocked in one at exit holds no
    lock of ``sys.stdin.buffer`` (that would abort the interpreter's shutdown).
    """
    return open(sys.stdin.fileno(), "rb", buffering=0, closefd=False)


async def _run(args: argparse.Namespace, config: Config, source: _Source, view: CaptionView | None) -> int:
    """Stream ``source`` to the server, show the captions in ``view``, write ``--out``; the exit code."""
    end_of_audio = _end_of_audio_on_interrupt()
    try:
        async with _server_url(args.url, config) as url:
            result = await stream_audio(
                url,
                _until(end_of_audio, source.chunks),
                sample_rate=source.sample_rate,
                encoding=source.encoding,
                channels=source.channels,
                language=_language_choice(args.language),
                task=args.task,
                partials=not args.no_partials,
                session_name=args.session,
                speakers=args.speakers,
                max_speakers=args.max_speakers,
                keyterms=args.keyterm,
                speed=args.speed,
                on_event=view.handle if view is not None else None,
                token=args.token or os.environ.get("PARLEY_TOKEN"),
                ssl_context=ssl.create_default_context(cafile=args.cafile) if args.cafile else None,
                resume=not args.no_resume,
            )
    except _ServerStartError as exc:
        print(f"parley: cannot start a local server: {exc}", file=sys.stderr)
        return 1
    except AudioSourceError as exc:  # stdin failed mid-stream
        print(f"parley: {exc}", file=sys.stderr)
        return 1
    except StreamError as exc:
        _close_view(view)
        print(f"parley: {exc}", file=sys.stderr)
        _write_out(args.out, exc.result, partial=True, audio=source.path)
        return 1
    _close_view(view)
    _write_out(args.out, result, partial=False, audio=source.path)
    if not args.quiet:
        print(_summary(result, args.out), file=sys.stderr)
    return 0


def _write_out(out: Path | None, result: StreamResult, *, partial: bool, audio: Path | None = None) -> None:
    """Write the captions to ``--out`` (when given; for a failed session, only if there are some)."""
    if out is None or (partial and not result.finals):
        return
    formats.write_finals(out, result.finals, result.speakers, audio=audio)
    if partial:
        print(f"parley: wrote the {len(result.finals)} captions received to {out}", file=sys.stderr)


def _language_choice(language: str | None) -> Language:
    """``--language``: not given -> the server's default; ``auto`` -> None (detect); else the code."""
    if language is None:
        return SERVER_DEFAULT
    return None if language.lower() == "auto" else language


class _ServerStartError(Exception):
    """The in-process server could not start (usually: the models are not provisioned)."""


@contextlib.asynccontextmanager
async def _server_url(url: str | None, config: Config) -> AsyncIterator[str]:
    """``url`` when given; otherwise start a server in this process on a free local port for the session."""
    if url is not None:
        yield url
        return
    local = dataclasses.replace(config, server=dataclasses.replace(config.server, host="127.0.0.1", port=0))
    server = await _start_local_server(local)
    try:
        yield server.url
    finally:
        await server.close()


async def _start_local_server(config: Config) -> Any:
    """A started in-process ParleyServer (models loaded, port bound); _ServerStartError if that fails."""
    try:
        from parley.server.app import ParleyServer  # heavy (models): only without --url
    except ImportError as exc:
        raise _ServerStartError(f"the server is not available here ({exc}); pass --url") from exc
    server = ParleyServer(config)
    try:
        await server.start()
    except Exception as exc:  # model loading fails in many ways; each means "no local server"
        with contextlib.suppress(Exception):
            await server.close()
        hint = "; are the models provisioned (`parley models fetch`)?"
        raise _ServerStartError(f"{exc or type(exc).__name__}{hint}") from exc
    return server


def _end_of_audio_on_interrupt() -> asyncio.Event:
    """An event set by the first Ctrl-C (end the audio there, keep the captions); a second one aborts."""
    end_of_audio = asyncio.Event()

    def on_interrupt() -> None:
        if end_of_audio.is_set():
            raise KeyboardInterrupt
        end_of_audio.set()
        print("\nparley: ending the audio here; Ctrl-C again to abort", file=sys.stderr)

    with contextlib.suppress(NotImplementedError, RuntimeError):  # no signal handlers on this platform
        asyncio.get_running_loop().add_signal_handler(signal.SIGINT, on_interrupt)
    return end_of_audio


async def _until(stop: asyncio.Event, chunks: AsyncIterable[bytes] | Iterable[bytes]) -> AsyncIterator[bytes]:
    """The chunks, ending early once ``stop`` is set (even while waiting for the next chunk)."""
    iterator = aiter(_as_async(chunks))
    stop_waiter = asyncio.create_task(stop.wait())
    next_chunk: asyncio.Task[bytes | None] | None = None
    try:
        while not stop.is_set():
            next_chunk = asyncio.create_task(_next_or_none(iterator))
            await asyncio.wait({next_chunk, stop_waiter}, return_when=asyncio.FIRST_COMPLETED)
            chunk = next_chunk.result() if next_chunk.done() else None
            if chunk is None:
                return
            yield chunk
    finally:
        for task in (stop_waiter, next_chunk):
            if task is not None:
                task.cancel()


async def _next_or_none(iterator: AsyncIterator[bytes]) -> bytes | None:
    """The iterator's next chunk, or None at its end."""
    return await anext(iterator, None)


def _close_view(view: CaptionView | None) -> None:
    """Erase the view's status line (before printing to stderr), if there is a view."""
    if view is not None:
        view.close()


def _summary(result: StreamResult, out: Path | None) -> str:
    """One line for stderr: captions, speakers, audio length, and the file written."""
    duration = (result.done or {}).get("duration")
    parts = [_count(len(result.finals), "caption"), _count(len(result.speakers), "speaker")]
    if duration is not None:
        parts.append(f"{duration:.1f} s of audio")
    written = f"; wrote {out}" if out is not None else ""
    return "parley: " + ", ".join(parts) + written


def _count(number: int, noun: str) -> str:
    """``1 caption``, ``2 captions``."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _non_negative_float(text: str) -> float:
    """argparse type: a float >= 0."""
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _positive_int(text: str) -> int:
    """argparse type: an int >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text}")
    return value
