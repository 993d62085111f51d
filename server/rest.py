"""``POST /v1/listen``: a recording in the body, Deepgram's pre-recorded JSON answer out.

The WebSocket library's HTTP parser takes GET requests without a body only, so the listening socket
has a small front (:class:`~parley.server.app.CountedConnection`): it reads the request's method
(its first bytes) and hands a GET (page, ``/healthz``, ``/metrics``, WebSocket upgrades on any path)
to ``websockets`` untouched, and any other method to an :class:`HttpExchange` here, which speaks
HTTP/1.1 with h11 on the same transport (TLS included): one request per connection, answered with
``Connection: close``.

Bounds (``files.*``): the head within ``server.handshake_timeout_s`` and 16 KiB; the body at most
``files.max_upload_bytes`` (``Content-Length`` checked before any of it is read, chunked bodies
counted as they come), no pause in it longer than ``files.read_timeout_s``; at most
``files.max_concurrent`` files transcribed at once on :class:`FileService`'s own threads (never the
live sessions' inference workers) and ``files.max_queued`` more received or waiting, beyond which
the answer is 503 with ``Retry-After``. Errors are JSON: ``{"err_code", "err_msg", "request_id"}``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from typing import TYPE_CHECKING

import h11
import numpy as np

from parley.config import Config
from parley.server.auth import token_in, token_matches
from parley.server.files import SAMPLE_RATE, Cancelled, UploadError, decode_upload, transcribe_to_response
from parley.server.messages import BadRequest, FileOptions, Wire, listen_error
from parley.server.metrics import ServerMetrics

if TYPE_CHECKING:
    from parley.server.app import ParleyServer
    from parley.server.engine import Engine

log = logging.getLogger(__name__)
LISTEN_PATH = "/v1/listen"
MAX_HEAD_BYTES = 16 * 1024  # request line and headers
LINGER_S = 2.0  # after an early error, bytes still arriving are read and dropped this long, then closed


class FileService:
    """The file workers: admission (running + queued) and the threads that decode and transcribe."""

    def __init__(self, config: Config, engine: Engine, metrics: ServerMetrics) -> None:
        self.config = config
        self.engine = engine
        self.metrics = metrics
        self.admitted = 0  # uploads being received, waiting for a worker or transcribed
        self.by_client: dict[str, int] = {}  # client address -> its admitted uploads (none kept at 0)
        self.executor = ThreadPoolExecutor(
            max_workers=max(1, config.files.max_concurrent), thread_name_prefix="parley-files"
        )

    @property
    def capacity(self) -> int:
        files = self.config.files
        return 0 if files.max_concurrent <= 0 else files.max_concurrent + max(0, files.max_queued)

    def admit(self, client: str) -> str | None:
        """Take a place for an upload from ``client`` (its address): None when taken, else why not
        (``"busy"``: every place is taken; ``"client"``: this client has ``files.max_per_client``)."""
        if self.admitted >= self.capacity:
            return "busy"
        if self.by_client.get(client, 0) >= self.config.files.max_per_client:
            return "client"
        self.admitted += 1
        self.by_client[client] = self.by_client.get(client, 0) + 1
        return None

    def release(self, client: str) -> None:
        self.admitted = max(0, self.admitted - 1)
        left = self.by_client.pop(client, 0) - 1
        if left > 0:
            self.by_client[client] = left

    async def transcribe(
        self, body: bytearray, options: FileOptions, request_id: str, cancelled: threading.Event
    ) -> Wire:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, self._work, body, options, request_id, cancelled)

    def _work(
        self, body: bytearray, options: FileOptions, request_id: str, cancelled: threading.Event
    ) -> Wire:
        if cancelled.is_set():
            raise Cancelled
        started = time.perf_counter()
        audio = decode_upload(
            body,
            max_seconds=self.config.files.max_duration_s,
            encoding=options.encoding,
            sample_rate=options.sample_rate,
            channels=options.channels,
        )

        def progress(stage: str, fraction: float) -> None:
            if cancelled.is_set():
                raise Cancelled

        response = transcribe_to_response(
            audio,
            self.engine,
            options,
            request_id=request_id,
            sha256=hashlib.sha256(body).hexdigest(),
            progress=progress,
            asr_window_s=self.config.files.asr_window_s,
        )
        duration = len(audio) / SAMPLE_RATE
        elapsed = time.perf_counter() - started
        self.metrics.file_audio_seconds.inc(duration)
        words = response["results"]["channels"][0]["alternatives"][0]["words"]
        log.info(
            "file request=%s: %.1f s of audio, %d words, %d speakers in %.1f s (real-time factor %.2f)",
            request_id,
            duration,
            len(words),
            len({w["speaker"] for w in words if "speaker" in w}),
            elapsed,
            elapsed / max(duration, 1e-6),
        )
        return response

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


class HttpExchange:
    """One HTTP/1.1 request that is not a GET, on a transport the front handed over: answered, then
    the connection is closed. Only ``POST /v1/listen`` is served; other methods get 405, other
    paths 404."""

    def __init__(
        self, server: ParleyServer, transport: asyncio.Transport, head_done: Callable[[], None]
    ) -> None:
        self.server = server
        self.config = server.config
        self.transport = transport
        self.head_done = head_done
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD_BYTES)
        self.request_id = str(uuid.uuid4())
        self.body = bytearray()  # handed to the worker as it is (no copy), dropped when answered
        peer = transport.get_extra_info("peername")
        self.client = str(peer[0]) if isinstance(peer, tuple) and peer else str(peer or "")
        self.options: FileOptions | None = None
        self.admitted = False
        self.answered = False
        self.cancelled = threading.Event()  # the client went away: the worker stops early
        self.finished = asyncio.Event()
        self._last_data = 0.0
        self._head_at = 0.0  # when the request head was admitted (loop time)
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None

    # -- transport events (from the front) -------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self.answered:
            return  # lingering after an early answer: drop what the client still sends
        self._last_data = asyncio.get_running_loop().time()
        try:
            self.h11.receive_data(data)
            self._process()
        except h11.RemoteProtocolError as exc:
            status = exc.error_status_hint
            reason = "request head too large" if status == 431 else f"malformed HTTP request ({exc})"
            self.respond_error(status, "bad_request", reason)

    def eof_received(self) -> None:
        if not self.answered and self._task is None:
            self.respond_error(400, "truncated", "the connection was closed before the request was complete")

    def connection_lost(self, exc: Exception | None) -> None:
        self.cancelled.set()
        self._cancel_timer()
        if self._task is None:
            self._release()
            self.finished.set()

    # -- the request -----------------------------------------------------------------------------

    def _process(self) -> None:
        while not self.answered and self._task is None:
            event = self.h11.next_event()
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return
            if isinstance(event, h11.Request):
                self.head_done()
                self._head(event)
            elif isinstance(event, h11.Data):
                self.body += event.data
                if len(self.body) > self.config.files.max_upload_bytes:
                    self._too_large()
            elif isinstance(event, h11.EndOfMessage):
                self._cancel_timer()
                self.transport.pause_reading()
                self._task = self.server.spawn(self._answer())

    def _head(self, request: h11.Request) -> None:
        target = request.target.decode("ascii", "replace")
        path, _, query = target.partition("?")
        headers = {
            name.decode("ascii", "replace").lower(): value.decode("latin-1")
            for name, value in request.headers
        }
        method = request.method.decode("ascii", "replace")
        metrics = self.server.metrics
        if path != LISTEN_PATH:
            return self.respond_error(
                404, "not_found", f"not found: {path[:200]}; files go to POST {LISTEN_PATH}"
            )
        if method != "POST":
            return self.respond_error(
                405, "method_not_allowed", f"{LISTEN_PATH} takes POST (a file) or a WebSocket upgrade (GET)"
            )
        if not self.server.origin_allowed(headers.get("origin"), headers.get("host", "")):
            metrics.sessions_refused.labels("origin").inc()
            return self.respond_error(
                403, "forbidden", "web pages of this origin may not post (server.allowed_origins)"
            )
        if not token_matches(token_in(headers.get("authorization", ""), target), self.server.tokens):
            metrics.sessions_refused.labels("auth").inc()
            return self.respond_error(
                401,
                "unauthorized",
                "a valid token is required: send 'Authorization: Token <token>' (or Bearer) "
                "or add ?token=<token>",
                [("WWW-Authenticate", 'Bearer realm="parley"')],
            )
        if self.server.draining:
            return self.respond_error(503, "shutting_down", "the server is shutting down; try another")
        try:
            self.options = FileOptions.parse(query, self.config.asr.language)
        except BadRequest as exc:
            return self.respond_error(400, "bad_parameter", str(exc))
        if headers.get("content-type", "").split(";")[0].strip().lower() == "application/json":
            return self.respond_error(
                400,
                "url_not_supported",
                'transcribing a URL ({"url": ...}) is not supported: send the audio itself as the body',
            )
        length = headers.get("content-length")
        if (
            length is not None and int(length) > self.config.files.max_upload_bytes
        ):  # h11 checked it is a number
            return self._too_large(int(length))
        refused = self.server.files.admit(self.client)
        files = self.config.files
        retry = [("Retry-After", str(files.retry_after_s))]
        if refused == "client":
            return self.respond_error(
                429,
                "too_many_uploads",
                f"this client ({self.client}) already has {files.max_per_client} uploads in progress or "
                f"waiting (files.max_per_client); send the next when one is answered",
                retry,
            )
        if refused is not None:
            message = (
                "transcribing files is turned off on this server (files.max_concurrent: 0)"
                if files.max_concurrent <= 0
                else f"the file workers are busy ({self.server.files.admitted} files in progress or "
                f"waiting); try again in {files.retry_after_s} s"
            )
            return self.respond_error(503, "busy", message, retry)
        self.admitted = True
        self._head_at = self._last_data = asyncio.get_running_loop().time()
        if self.h11.client_is_waiting_for_100_continue:
            self.transport.write(self.h11.send(h11.InformationalResponse(status_code=100, headers=[])))
        self._schedule_body_check()
        return None

    def _too_large(self, size: int | None = None) -> None:
        limit = self.config.files.max_upload_bytes
        said = f"{size} bytes" if size is not None else "more"
        self.respond_error(
            413,
            "too_large",
            f"the body is {said}; at most {limit} bytes are accepted (files.max_upload_bytes)",
        )

    def _schedule_body_check(self) -> None:
        delay = max(0.05, min(1.0, self.config.files.read_timeout_s))
        self._timer = asyncio.get_running_loop().call_later(delay, self._check_body)

    def _check_body(self) -> None:
        """While the body comes in (every second at most): a pause of ``read_timeout_s``, a body
        not complete ``body_timeout_s`` after the head, or one arriving slower on average than
        ``min_body_bytes_per_s`` (from ``read_timeout_s`` after the head on) is answered 408, so a
        slow client cannot hold a file place for longer than that."""
        if self.answered or self._task is not None:
            return
        files = self.config.files
        now = asyncio.get_running_loop().time()
        elapsed = now - self._head_at
        rate = len(self.body) / max(elapsed, 1e-6)
        if now - self._last_data >= files.read_timeout_s:
            return self.respond_error(
                408,
                "timeout",
                f"no body bytes for {files.read_timeout_s:.0f} s (files.read_timeout_s); send faster",
            )
        if elapsed >= files.body_timeout_s:
            return self.respond_error(
                408,
                "body_timeout",
                f"the body was not complete {files.body_timeout_s:.0f} s after the request head "
                f"({len(self.body)} bytes came; files.body_timeout_s)",
            )
        if elapsed >= files.read_timeout_s and rate < files.min_body_bytes_per_s:
            return self.respond_error(
                408,
                "too_slow",
                f"the body comes at {rate:.0f} bytes/s; at least {files.min_body_bytes_per_s} bytes/s "
                f"are needed (files.min_body_bytes_per_s)",
            )
        self._schedule_body_check()
        return None

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def _answer(self) -> None:
        assert self.options is not None
        try:
            response = await self.server.files.transcribe(
                self.body, self.options, self.request_id, self.cancelled
            )
        except UploadError as exc:
            self.respond_error(exc.status, exc.code, exc.message)
        except Cancelled:
            log.info("file request=%s: the client went away; stopped", self.request_id)
        except Exception:
            log.exception("file request=%s failed", self.request_id)
            self.respond_error(500, "internal", "internal server error; see the server log")
        else:
            self.respond(200, response)
        finally:
            self.body = bytearray()
            self._release()
            self.finished.set()

    def _release(self) -> None:
        if self.admitted:
            self.admitted = False
            self.server.files.release(self.client)

    # -- answering -------------------------------------------------------------------------------

    def respond_error(
        self, status: int, code: str, message: str, headers: list[tuple[str, str]] | None = None
    ) -> None:
        self.respond(status, listen_error(status, code, message, self.request_id), headers)

    def respond(self, status: int, body: Wire, headers: list[tuple[str, str]] | None = None) -> None:
        """Send one JSON answer and close: at once when the whole request was read, else after
        reading (and dropping) what the client still sends for :data:`LINGER_S`, so that a client
        still uploading reads the answer instead of a reset connection."""
        if self.answered or self.transport.is_closing():
            return
        self.answered = True
        self._cancel_timer()
        self.server.metrics.file_requests.labels(str(status)).inc()
        data = json.dumps(body, ensure_ascii=False).encode()
        head = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            ("Connection", "close"),
            ("dg-request-id", self.request_id),
            *(headers or []),
        ]
        try:
            out = self.h11.send(
                h11.Response(status_code=status, headers=head, reason=HTTPStatus(status).phrase)
            )
            out = (
                (out or b"")
                + (self.h11.send(h11.Data(data=data)) or b"")
                + (self.h11.send(h11.EndOfMessage()) or b"")
            )
        except h11.LocalProtocolError:  # e.g. the request was too malformed for h11 to answer it
            out = (
                f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nConnection: close\r\n"
                f"Content-Length: {len(data)}\r\n\r\n".encode()
                + data
            )
        self.transport.write(out)
        if self._task is not None or self.h11.their_state is h11.DONE:
            self.transport.close()
        else:
            self.transport.resume_reading()
            asyncio.get_running_loop().call_later(LINGER_S, self.transport.close)
        if self._task is None:
            self._release()
            self.finished.set()

    def abort(self) -> None:
        self.cancelled.set()
        self.transport.abort()


def rtf(seconds: float, audio: np.ndarray) -> float:
    """Real-time factor: processing seconds per second of audio."""
    return seconds / max(len(audio) / SAMPLE_RATE, 1e-6)


__all__ = ["LISTEN_PATH", "FileService", "HttpExchange", "rtf"]
