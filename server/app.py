"""The asyncio WebSocket server: sockets in, :class:`~parley.server.live.LiveSession` events out.

:class:`ParleyServer` loads the models once, owns the sessions (including those whose socket
dropped, kept for a resume), answers plain HTTP on the same port (page, ``/healthz``, ``/readyz``,
``/metrics``), checks bearer tokens at the handshake, serves TLS when configured, and shuts down
gracefully. :class:`Connection` is one socket and no session rule: it reads frames and feeds them
to the session's :class:`~parley.server.lifecycle.SessionProtocol` (before ``start``, a protocol of
its own), creates the session (``start``) or moves to one (``resume``) when the protocol says so,
after the checks only the server can make (capacity, session names, resume tokens, draining), and
sends what the protocol sends through a bounded queue, so that a client that stops reading is closed
instead of growing the server's memory. Model inference never runs on the event loop, so a slow
session never stalls another's socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import re
import signal
import ssl
import sys
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers, MultipleValuesError
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from parley.config import Config
from parley.models.bundle import ModelMissingError
from parley.server import http
from parley.server.auth import AuthConfigError, is_authorised, load_tokens
from parley.server.deepgram import (
    DeepgramFront,
    DeepgramOptions,
    ignored_shown,
    is_deepgram_path,
    parse_client,
    parse_query,
    query_of,
)
from parley.server.engine import Engine
from parley.server.lifecycle import (
    AudioFrame,
    Begin,
    CancelTimer,
    Close,
    Cut,
    Dropped,
    Evicted,
    Input,
    Output,
    Refused,
    Requested,
    Resumed,
    Send,
    SessionProtocol,
    SetTimer,
    Shutdown,
    Started,
    State,
    StepDone,
    TakeOver,
    TextFrame,
    TimerFired,
    TimerKind,
)
from parley.server.live import LiveSession
from parley.server.messages import SessionOptions, stamp
from parley.server.metrics import CONTENT_TYPE, ServerMetrics
from parley.server.mqtt import CaptionPublisher
from parley.server.protocol import (
    CLOSE_GOING_AWAY,
    CLOSE_INTERNAL,
    CLOSE_NORMAL,
    CLOSE_POLICY,
    CLOSE_TRY_AGAIN,
    ProtocolError,
    Resume,
    error_event,
    parse_text,
    shown,
)
from parley.server.rest import FileService, HttpExchange
from parley.server.session import Session

log = logging.getLogger(__name__)
SEND_FLUSH_TIMEOUT_S = 10.0  # at the end of a session, time for the client to read what is queued

_TOKEN_QUERY = re.compile(r"([?&]token=)[^&\s]*")
SECRET_HEADERS = ("authorization", "cookie", "proxy-authorization")


class RedactSecrets(logging.Filter):
    """websockets logs the handshake at debug level: the request line (with ``?token=``) and every
    header (``Authorization``). This filter, on the websockets server logger, blanks the secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            args = list(record.args)
            if len(args) == 2 and isinstance(args[0], str) and args[0].lower() in SECRET_HEADERS:
                args[1] = "[redacted]"
            record.args = tuple(
                _TOKEN_QUERY.sub(r"\1[redacted]", a) if isinstance(a, str) else a for a in args
            )
        return True


def websocket_logger() -> logging.Logger:
    """The websockets server logger, with :class:`RedactSecrets` on it (once)."""
    logger = logging.getLogger("websockets.server")
    if not any(isinstance(f, RedactSecrets) for f in logger.filters):
        logger.addFilter(RedactSecrets())
    return logger


def client_address(websocket: ServerConnection) -> str:
    """The peer's IP address: per-client limits count by it."""
    remote = websocket.remote_address
    return str(remote[0]) if remote else ""


FRONT_METHOD_BYTES = 16  # a request's method is known within its first 16 bytes ("OPTIONS " is 8)


class CountedConnection(ServerConnection):
    """A connection counted while its handshake is in progress (``server.max_handshakes``); beyond the
    cap it is closed at once. ``parley`` is set on a subclass made per server.

    It is also the front of the listening socket: the WebSocket library's HTTP parser takes GET
    requests only, so the first bytes (the request's method) decide who speaks on this transport:
    a GET goes to ``websockets`` exactly as it arrived (pages, ``/healthz``, ``/metrics``, WebSocket
    upgrades on any path; anything that is not HTTP, which websockets refuses), any other method
    (``POST /v1/listen``) to a :class:`~parley.server.rest.HttpExchange`. Until then the connection
    counts as handshaking, and ``server.handshake_timeout_s`` from the accept bounds the handshake
    (websockets' or the HTTP request head) as a whole.
    """

    parley: ParleyServer

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        parley = self.parley
        self._front = "sniffing"  # then "websocket", "http", or "closed"
        self._front_transport = transport
        self._front_bytes = bytearray()
        self._exchange: HttpExchange | None = None
        self._deadline: asyncio.TimerHandle | None = None
        peer = transport.get_extra_info("peername")
        client = str(peer[0]) if isinstance(peer, tuple) and peer else "unknown"
        settings = parley.config.server
        if (
            len(parley.handshaking) >= settings.max_handshakes
            or parley.handshakes_by_client[client] >= settings.max_handshakes_per_client
        ):
            parley.metrics.sessions_refused.labels("handshakes").inc()
            parley.warn_refusal(
                "handshakes", "closing a new connection: %d handshakes in progress", len(parley.handshaking)
            )
            self._front = "closed"
            transport.abort()
            return
        parley.handshake_begun(self, client)
        self._deadline = asyncio.get_running_loop().call_later(
            parley.config.server.handshake_timeout_s, self._handshake_overdue
        )

    def _handshake_overdue(self) -> None:
        if self in self.parley.handshaking:
            self.parley.handshake_ended(self)
            self._front_transport.abort()

    def data_received(self, data: bytes) -> None:
        if self._front == "websocket":
            super().data_received(data)
        elif self._front == "http":
            assert self._exchange is not None
            self._exchange.data_received(data)
        elif self._front == "sniffing":
            self._front_bytes += data
            space = self._front_bytes.find(b" ", 0, FRONT_METHOD_BYTES)
            if space < 0 and len(self._front_bytes) < FRONT_METHOD_BYTES:
                return
            method = bytes(self._front_bytes[:space]) if space >= 0 else b""
            head, self._front_bytes = bytes(self._front_bytes), bytearray()
            transport = self._front_transport
            if method in (b"GET", b""):
                self._front = "websocket"
                super().connection_made(transport)
                super().data_received(head)
            else:
                assert isinstance(transport, asyncio.Transport)
                self._front = "http"
                self._exchange = HttpExchange(
                    self.parley, transport, lambda: self.parley.handshake_ended(self)
                )
                self.parley.exchanges.add(self._exchange)
                self._exchange.data_received(head)

    def eof_received(self) -> bool | None:
        if self._front == "websocket":
            return super().eof_received()
        if self._front == "http" and self._exchange is not None:
            self._exchange.eof_received()
            return True  # keep the transport open to answer
        self._front_transport.abort()
        return False

    def pause_writing(self) -> None:
        if self._front == "websocket":
            super().pause_writing()

    def resume_writing(self) -> None:
        if self._front == "websocket":
            super().resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self.parley.handshake_ended(self)
        if self._deadline is not None:
            self._deadline.cancel()
        if self._front == "websocket":
            super().connection_lost(exc)
        elif self._exchange is not None:
            self._exchange.connection_lost(exc)
            self.parley.exchanges.discard(self._exchange)


class ParleyServer:
    """Loads the models once, then serves sessions until closed.

    ``async with ParleyServer(config) as server: ... server.url ...``; port 0 picks a free port.
    """

    def __init__(self, config: Config, engine: Engine | None = None) -> None:
        self.config = config
        self.engine = engine
        self.executor: ThreadPoolExecutor | None = None
        self.connections: set[Connection] = set()
        self.sessions: dict[str, LiveSession] = {}
        self.tokens = load_tokens(config.auth)
        self.ssl_context = _ssl_context(config)
        self.publisher = CaptionPublisher(config.mqtt) if config.mqtt.url else None
        self.metrics = ServerMetrics(
            lambda: dict(self.engine.stage_seconds) if self.engine else {},
            (lambda: dict(self.publisher.dropped_by)) if self.publisher else None,
            lambda: self.engine.scheduler.stats if self.engine else None,
        )
        self._refusals: Counter[str] = Counter()  # refusals per reason, for warn_refusal
        self.handshaking: dict[ServerConnection, str] = {}  # connections in their handshake -> client
        self.handshakes_by_client: Counter[str] = Counter()  # of those, per client address
        self.exchanges: set[HttpExchange] = set()  # POST /v1/listen requests in progress
        self.files: FileService | None = None
        self.draining = False  # shutting down: no new sessions
        self._background: set[asyncio.Task[Any]] = set()
        self._server: Server | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        scheme = "wss" if self.ssl_context else "ws"
        return f"{scheme}://{self.config.server.host}:{self.port}/"

    @property
    def http_url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://{self.config.server.host}:{self.port}/"

    async def start(self) -> None:
        if self.engine is None:
            self.engine = await asyncio.to_thread(Engine, self.config)
        # one thread per session step in flight (each session runs one step at a time, detached ones
        # too), plus the slots: the threads wait in the engine's scheduler, which decides who runs a
        # model next (server/scheduler.py); inference_workers bounds the model calls running at once
        settings = self.config.server
        threads = settings.inference_workers + settings.max_sessions + self.config.resume.max_detached
        self.executor = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="parley-session")
        self.files = FileService(self.config, self.engine, self.metrics)
        self._server = await serve(
            self._handle,
            settings.host,
            settings.port,
            process_request=self._process_request,
            max_size=2 * max(settings.max_message_bytes, settings.max_text_bytes),
            max_queue=max(1, settings.receive_queue_frames),
            compression="deflate" if settings.compression else None,
            open_timeout=settings.handshake_timeout_s,
            ssl=self.ssl_context,
            logger=websocket_logger(),
            create_connection=type("ParleyConnection", (CountedConnection,), {"parley": self}),
        )
        self.port = next(iter(self._server.sockets)).getsockname()[1]
        if self.publisher is not None:
            self.publisher.start()
        log.info(
            "serving on %s (max %d sessions, auth %s)",
            self.url,
            self.config.server.max_sessions,
            "on" if self.tokens else "off",
        )

    async def shutdown(self) -> None:
        """Graceful stop: accept nothing new, finish every session (finals, ``done``), then close.

        Sessions get ``server.shutdown_deadline_s`` in all; whatever is left then is cut.
        """
        self.draining = True
        if self._server is not None:
            self._server.close(close_connections=False)  # stop listening
        deadline = self.config.server.shutdown_deadline_s
        log.info("shutting down: finishing %d session(s) within %.0f s", len(self.sessions), deadline)
        work = {asyncio.create_task(c.shut_down()): c.session_id for c in list(self.connections)}
        for live in list(self.sessions.values()):
            if live.connection not in self.connections:  # detached, or flushing after its client left
                live.deliver(Shutdown())
                work[asyncio.create_task(live.wait_done())] = live.session_id
        for exchange in list(self.exchanges):  # files being transcribed get the same deadline
            work[asyncio.create_task(exchange.finished.wait())] = f"file:{exchange.request_id}"
        if work:
            _, late = await asyncio.wait(work, timeout=deadline)
            if late:
                cut = sorted(str(work[task]) for task in late)
                log.warning("shutdown deadline: cutting %d session(s): session=%s", len(late), ",".join(cut))
                self.metrics.sessions_cut.inc(len(late))
                for task in late:
                    task.cancel()
        await self.close()

    async def close(self) -> None:
        self.draining = True
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for live in list(self.sessions.values()):
            live.deliver(Cut("server_closed"))
        for exchange in list(self.exchanges):
            exchange.abort()
        if self.files is not None:
            self.files.close()
        if self.publisher is not None:
            await self.publisher.close()
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)

    async def __aenter__(self) -> ParleyServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- sessions --------------------------------------------------------------------------------

    def spawn(self, work: Any) -> asyncio.Task[Any]:
        """Run a coroutine in the background, holding a reference until it is done."""
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def register(self, live: LiveSession) -> None:
        self.sessions[live.session_id] = live

    def forget(self, live: LiveSession) -> None:
        if self.sessions.get(live.session_id) is live:
            del self.sessions[live.session_id]
        if self.engine is not None:
            self.engine.scheduler.forget(live.session_id)

    def warn_refusal(self, reason: str, message: str, *args: object) -> None:
        """Log a refused connection, the first and then every 100th per reason: a client that
        reconnects in a loop cannot flood the log (every refusal is counted in /metrics)."""
        self._refusals[reason] += 1
        count = self._refusals[reason]
        if count == 1 or count % 100 == 0:
            log.warning(message + " (%d refused for this reason; every 100th is logged)", *args, count)

    def handshake_begun(self, connection: ServerConnection, client: str) -> None:
        self.handshaking[connection] = client
        self.handshakes_by_client[client] += 1

    def handshake_ended(self, connection: ServerConnection) -> None:
        client = self.handshaking.pop(connection, None)
        if client is not None:
            self.handshakes_by_client[client] -= 1
            if self.handshakes_by_client[client] <= 0:
                del self.handshakes_by_client[client]

    def sessions_running(self) -> int:
        """Sessions that hold the server's work: every one not detached and not ended, whether its
        client is connected or left while its audio is still processed (a clean close makes the
        session flush what it holds, up to ``audio.max_lag_s``): what ``server.max_sessions`` bounds.
        Detached sessions are bounded apart (``resume.max_detached``)."""
        return sum(1 for live in self.sessions.values() if live.detached_since is None and not live.ended)

    def limit_detached(self) -> None:
        """Keep at most ``resume.max_detached_per_client`` dropped sessions per client address (its own
        oldest go first), and ``resume.max_detached`` in all (the oldest of the client holding most)."""
        detached = sorted(
            (live for live in self.sessions.values() if live.detached_since is not None and not live.ending),
            key=lambda live: live.detached_since or 0.0,
        )
        by_client: dict[str, list[LiveSession]] = {}
        for live in detached:
            by_client.setdefault(live.client, []).append(live)
        evict: list[tuple[LiveSession, str]] = []
        for lives in by_client.values():
            extra = max(0, len(lives) - self.config.resume.max_detached_per_client)
            evict += [(live, "client_cap") for live in lives[:extra]]
            del lives[:extra]
        total = sum(len(lives) for lives in by_client.values())
        while total > self.config.resume.max_detached:
            evict.append((max(by_client.values(), key=len).pop(0), "global_cap"))
            total -= 1
        for live, reason in evict:
            log.warning(
                "session=%s evicted (%s): client %s holds too many dropped sessions",
                live.session_id,
                reason,
                live.client,
            )
            self.metrics.sessions_evicted.labels(reason).inc()
            live.deliver(Evicted())

    # -- HTTP and the handshake ------------------------------------------------------------------

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        try:
            return self._answer_request(connection, request)
        except MultipleValuesError as exc:  # e.g. two Authorization headers: a client error, not a 500
            self.metrics.sessions_refused.labels("bad_request").inc()
            return connection.respond(
                HTTPStatus.BAD_REQUEST, f"header {shown(str(exc))} appears more than once; send it once\n"
            )

    def _origin_allowed(self, request: Request) -> bool:
        return self.origin_allowed(request.headers.get("Origin"), request.headers.get("Host", ""))

    def origin_allowed(self, origin: str | None, host: str) -> bool:
        """No ``Origin`` (not a browser), a listed one, or this server's own pages."""
        allowed = self.config.server.allowed_origins
        if origin is None or "*" in allowed or origin in allowed:
            return True
        return urlsplit(origin).netloc.lower() == host.lower()

    def _answer_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if http.is_websocket_upgrade(request):
            if not self._origin_allowed(request):
                self.metrics.sessions_refused.labels("origin").inc()
                self.warn_refusal(
                    "origin",
                    "refused a connection from %s: origin %s is not allowed",
                    connection.remote_address,
                    shown(request.headers.get("Origin")),
                )
                return connection.respond(
                    HTTPStatus.FORBIDDEN,
                    "web pages of this origin may not connect (server.allowed_origins)\n",
                )
            if not is_authorised(request, self.tokens):
                self.metrics.sessions_refused.labels("auth").inc()
                self.warn_refusal(
                    "auth", "refused a connection from %s: missing or wrong token", connection.remote_address
                )
                response = connection.respond(
                    HTTPStatus.UNAUTHORIZED,
                    "a valid token is required: send 'Authorization: Bearer <token>' or add ?token=<token>\n",
                )
                response.headers["WWW-Authenticate"] = 'Bearer realm="parley"'
                return response
            if self.draining:
                self.metrics.sessions_refused.labels("shutdown").inc()
                return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "server shutting down\n")
            return None
        path = request.path.split("?")[0]
        if path == "/readyz":
            problem = self._not_ready()
            if problem:
                return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, f"not ready: {problem}\n")
            return connection.respond(HTTPStatus.OK, "ready\n")
        if path == "/metrics":
            body = self.metrics.render()
            headers = Headers([("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(body)))])
            return Response(HTTPStatus.OK.value, HTTPStatus.OK.phrase, headers, body)
        return http.respond(connection, request)

    def _not_ready(self) -> str | None:
        if self.engine is None:
            return "models not loaded"
        if self.draining:
            return "shutting down"
        if self.publisher is not None and not self.publisher.running:
            return "MQTT publisher stopped"
        if self.sessions_running() >= self.config.server.max_sessions:
            return f"at the session limit ({self.config.server.max_sessions})"
        return None

    async def _handle(self, websocket: ServerConnection) -> None:
        self.handshake_ended(websocket)
        if self.sessions_running() >= self.config.server.max_sessions:
            self.metrics.sessions_refused.labels("capacity").inc()
            self.warn_refusal(
                "capacity", "refusing a session: at the limit of %d", self.config.server.max_sessions
            )
            await websocket.close(
                CLOSE_TRY_AGAIN,
                f"server busy: {self.config.server.max_sessions} sessions active; try again later",
            )
            return
        client = client_address(websocket)
        pending = [c for c in self.connections if c.live is None]
        settings = self.config.server
        if len(pending) >= settings.max_pending or (
            sum(c.client == client for c in pending) >= settings.max_pending_per_client
        ):
            self.metrics.sessions_refused.labels("pending").inc()
            self.warn_refusal(
                "pending", "refusing a connection from %s: %d waiting for `start`", client, len(pending)
            )
            await websocket.close(CLOSE_TRY_AGAIN, "too many connections waiting to start; try again later")
            return
        request = websocket.request
        deepgram = request is not None and is_deepgram_path(request.path)
        connection = Connection(self, websocket, deepgram=deepgram)
        self.connections.add(connection)
        try:
            await connection.run()
        finally:
            self.connections.discard(connection)


@dataclasses.dataclass
class _Close:
    """Queued after the last message of a connection: close with this code."""

    code: int
    reason: str


class Connection:
    """One client socket, a thin I/O shell: reads frames and feeds them to the session's protocol
    (:mod:`parley.server.lifecycle`), opens (``start``) or takes over (``resume``) a session when the
    protocol says so, after the server's own checks (capacity, names, tokens), and sends what the
    protocol sends, through a bounded queue.

    ``deepgram``: the socket speaks Deepgram's live protocol (``/v1/listen``): its session's options
    come from the query string, its text frames are parsed by :func:`~parley.server.deepgram.
    parse_client`, and what the protocol sends goes out through :class:`~parley.server.deepgram.
    DeepgramFront`. The session core is the same."""

    def __init__(self, server: ParleyServer, websocket: ServerConnection, deepgram: bool = False) -> None:
        self.server = server
        self.config = server.config
        self.websocket = websocket
        self.live: LiveSession | None = None
        self.client = client_address(websocket)
        self.closing = False  # no more messages are queued (closed, or closing a slow reader)
        self.released = asyncio.Event()  # the session sends nothing more to this connection
        # JSON text waiting to be sent, bounded in messages and bytes (limits.send_queue_*) by enqueue
        self._outbox: asyncio.Queue[str | _Close] = asyncio.Queue()
        self._queued_bytes = 0
        self._sender: asyncio.Task[None] | None = None
        self._opener: asyncio.Task[LiveSession | None] | None = None
        self._reader: asyncio.Task[None] | None = None
        # until a session is started or taken over
        self._opening = SessionProtocol(self.config, parser=parse_client if deepgram else parse_text)
        self._finished = asyncio.Event()
        self.front: DeepgramFront | None = None
        self._request: Input | None = None  # a front-end's session request, fed on opening
        if deepgram:
            request = websocket.request
            assert request is not None
            try:
                options, front_options = parse_query(query_of(request.path), self.config)
            except ProtocolError as error:
                self.front = DeepgramFront(DeepgramOptions(), 1)
                self._request = Refused(error)
            else:
                self.front = DeepgramFront(front_options, options.channels)
                self._request = Requested(options)
                if front_options.ignored:
                    log.info("deepgram query: ignored %s", ignored_shown(front_options.ignored))

    @property
    def session_id(self) -> str | None:
        return self.live.session_id if self.live else None

    # -- sending ---------------------------------------------------------------------------------

    def enqueue(self, message: dict[str, Any] | _Close, from_finalize: bool = False) -> None:
        """Queue a message for the client (through the front-end, if any); a client that lets the
        queue fill up is closed."""
        if self.closing:
            return
        if isinstance(message, _Close):
            self._outbox.put_nowait(message)
            self.closing = True
            return
        if self.front is not None:
            for rendered in self.front.render(message, from_finalize):
                self._enqueue_text(json.dumps(rendered))
            return
        self._enqueue_text(json.dumps(message))

    def _enqueue_text(self, text: str) -> None:
        """``text`` is ASCII (json.dumps' ensure_ascii): its length is its size in bytes."""
        if self.closing:
            return
        limits = self.config.limits
        if (
            self._outbox.qsize() >= max(2, limits.send_queue_messages)
            or self._queued_bytes + len(text) > limits.send_queue_bytes
        ):
            self._drop_slow_reader()
            return
        self._queued_bytes += len(text)
        self._outbox.put_nowait(text)

    async def _send_loop(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                item = await self._outbox.get()
                if isinstance(item, _Close):
                    await self.websocket.close(item.code, item.reason)
                    return
                self._queued_bytes -= len(item)
                await self.websocket.send(item)

    def _drop_slow_reader(self) -> None:
        if self.closing:
            return
        self.closing = True
        waiting, size = self._outbox.qsize(), self._queued_bytes
        log.warning(
            "session=%s slow reader: %d messages (%d bytes) unread; closing", self.session_id, waiting, size
        )
        self.server.metrics.errors.labels("slow_reader").inc()
        self.server.spawn(self._close_slow_reader(waiting, size))

    async def _close_slow_reader(self, waiting: int, size: int) -> None:
        limits = self.config.limits
        message = (
            f"you stopped reading: {waiting} messages ({size} bytes) are waiting (limits: "
            f"{limits.send_queue_messages} messages, {limits.send_queue_bytes} bytes); "
            "the connection is closed. "
            f"Read messages as they come; resume within {self.config.resume.grace_s:.0f} s to get the rest"
        )
        with contextlib.suppress(Exception):
            error = stamp(error_event("slow_reader", message, True), 0.0)
            await asyncio.wait_for(self.websocket.send(json.dumps(error)), 1.0)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.websocket.close(CLOSE_POLICY, "slow reader"), 1.0)
        self.websocket.transport.abort()  # its buffers are full: do not wait for it
        if self._sender is not None:  # nothing can go out any more
            self._sender.cancel()

    def close_after(self, code: int, reason: str) -> None:
        """Close with ``code`` once what is queued has gone out."""
        self.enqueue(_Close(code, reason))

    async def _flush_and_close(self) -> None:
        """Wait (a bounded time) for the queued messages and the close to go out."""
        if self._sender is None:
            return
        if not self.closing:  # e.g. the socket dropped: the close is immediate
            self.enqueue(_Close(CLOSE_NORMAL, ""))
        _, late = await asyncio.wait({self._sender}, timeout=SEND_FLUSH_TIMEOUT_S)
        if late:
            self.websocket.transport.abort()

    # -- the connection's life -------------------------------------------------------------------

    async def run(self) -> None:
        self._sender = asyncio.create_task(self._send_loop(), name="send")
        try:
            self._opener = asyncio.create_task(self._open(), name="open")
            try:
                live = await self._opener
            except asyncio.CancelledError:
                if not self._opening.done:  # not a shutdown: this task itself is cancelled
                    raise
                return
            if live is None:
                return
            self.live = live
            self._reader = asyncio.create_task(self._read(live), name=f"read-{live.session_id}")
            released = asyncio.ensure_future(self.released.wait())
            try:
                await asyncio.wait({self._reader, released}, return_when=asyncio.FIRST_COMPLETED)
                if self._reader.done():
                    self._reader.result()  # its exception, if any
                    await released
            finally:
                released.cancel()
                if not self._reader.done():  # the session ended or finishes without reading more
                    self._reader.cancel()
                    with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                        await self._reader
        except ConnectionClosed:
            pass
        except Exception:
            log.exception("session=%s connection failed", self.session_id)
            if self.live is not None and self.live.connection is self and not self.live.ended:
                self.live.deliver(StepDone(failed=True))
            else:
                self.enqueue(
                    stamp(error_event("internal", "internal server error; the session has ended", True), 0.0)
                )
                self.enqueue(_Close(CLOSE_INTERNAL, "internal error"))
        finally:
            await self._flush_and_close()
            self._sender.cancel()
            self._finished.set()

    async def shut_down(self) -> None:
        """Server shutdown: the protocol finishes the session (its finals, ``done``) and closes."""
        if self._finished.is_set():
            return
        if self.live is not None:
            if self.live.connection is self:
                self.live.deliver(Shutdown())
        else:
            self._opening_outputs(self._opening.receive(Shutdown(), self._now()))
            if self._opener is not None:
                self._opener.cancel()
        await self._finished.wait()

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _opening_outputs(self, outputs: list[Output]) -> None:
        """Carry out what the protocol says before a session exists (errors and closes)."""
        for output in outputs:
            if isinstance(output, Send):
                if output.message.get("type") == "error" and output.message.get("fatal"):
                    self.server.metrics.errors.labels(output.message["code"]).inc()
                self.enqueue(output.message)
            elif isinstance(output, Close):
                self.enqueue(_Close(output.code, output.reason))

    def _refuse(self, error: ProtocolError) -> None:
        self._opening_outputs(self._opening.receive(Refused(error), self._now()))

    async def _open(self) -> LiveSession | None:
        """Read until the protocol starts a session or a ``resume`` takes one over; None when the
        connection ended instead."""
        protocol = self._opening
        deadlines: dict[TimerKind, float] = {}
        outputs = protocol.start_timers()
        if self._request is not None:  # the session's options came with the connection
            outputs += protocol.receive(self._request, self._now())
        while True:
            for index, output in enumerate(outputs):
                if isinstance(output, SetTimer):
                    deadlines[output.kind] = self._now() + output.seconds
                elif isinstance(output, CancelTimer):
                    deadlines.pop(output.kind, None)
                elif isinstance(output, Begin):
                    return self._start(output.options, outputs[index + 1 :])
                elif isinstance(output, TakeOver):
                    return self._resume(output.resume)
            self._opening_outputs(outputs)
            if protocol.done:
                return None
            event: Input
            kind = min(deadlines, key=deadlines.__getitem__) if deadlines else None
            timeout = max(0.0, deadlines[kind] - self._now()) if kind else None
            try:
                message = await asyncio.wait_for(self.websocket.recv(), timeout=timeout)
            except TimeoutError:
                assert kind is not None
                event = TimerFired(kind)
            except ConnectionClosed as closed:
                event = Dropped(_closed_on_purpose(closed))
            else:
                event = AudioFrame(message) if isinstance(message, bytes) else TextFrame(message)
            outputs = protocol.receive(event, self._now())

    def _draining(self) -> bool:
        if self.server.draining:
            self._refuse(
                ProtocolError(
                    "shutting_down", "the server is shutting down; try another", True, CLOSE_GOING_AWAY
                )
            )
        return self.server.draining

    def _busy(self, others: int) -> bool:
        """At ``server.max_sessions`` connected sessions (``others`` of them are not this one's)?"""
        limit = self.config.server.max_sessions
        if others < limit:
            return False
        self.server.metrics.sessions_refused.labels("capacity").inc()
        self._refuse(
            ProtocolError(
                "server_busy", f"server busy: {limit} sessions active; try again later", True, CLOSE_TRY_AGAIN
            )
        )
        return True

    def _start(self, options: SessionOptions, then: list[Output]) -> LiveSession | None:
        """The protocol began a session (``then``: the rest of its outputs): create it, unless the
        server cannot take it."""
        if self._draining() or self._busy(self.server.sessions_running()):
            return None
        if options.name is not None and any(
            live.name == options.name for live in self.server.sessions.values()
        ):
            self._refuse(
                ProtocolError(
                    "session_name_taken",
                    f"a live session is already named {options.name!r}; choose another name",
                    fatal=True,
                )
            )
            return None
        session = Session(self.server.engine, self.config, options, uuid.uuid4().hex[:12])
        if self.front is not None:
            self.front.model_name = session.transcriber.model_name
        live = LiveSession(self.server, session, self._opening)
        live.client = self.client
        self.live = live
        self.server.register(live)
        live.attach(self)
        self.server.metrics.sessions_started.inc()
        self.server.metrics.sessions_active.inc()
        live.start()
        live.execute(then)
        live.deliver(Started(live.session_id, live.token, session.transcriber.model_name))
        log.info("session=%s started: %s", live.session_id, options)
        return live

    def _resume(self, resume: Resume) -> LiveSession | None:
        if self._draining():
            return None
        live = self.server.sessions.get(resume.session_id)
        if live is None or not live.protocol.resumable(resume.token):
            self.server.metrics.sessions_refused.labels("resume").inc()
            self._refuse(self._opening.resume_refusal(resume.session_id))
            return None
        if self._busy(self.server.sessions_running() - (live.connection is not None)):
            return None
        previous = live.connection
        if previous is not None:  # its socket is dead but the server has not noticed yet
            live.detach(previous, limit=False)
            previous.closing = True
            previous.websocket.transport.abort()
        live.attach(self)  # from here on, the session's messages come to this connection
        self.live = live
        replayed = live.protocol.replay_after(resume.last_final_id)[0]
        live.deliver(Resumed(resume.last_final_id, live.session.roster()))
        self.server.metrics.sessions_resumed.inc()
        log.info(
            "session=%s resumed: %d finals replayed, audio acknowledged to sample %d",
            live.session_id,
            len(replayed),
            live.session.ack,
        )
        return live

    async def _read(self, live: LiveSession) -> None:
        """Feed the session's protocol the client's frames while it streams to this connection."""
        while live.connection is self and live.protocol.state is State.STREAMING:
            try:
                message = await self.websocket.recv()
            except ConnectionClosed as closed:
                if _closed_on_purpose(closed):
                    if live.connection is self:
                        live.deliver(Dropped(clean=True))
                else:
                    live.detach(self)
                return
            if live.connection is not self:
                return
            if isinstance(message, bytes):
                live.deliver(AudioFrame(message))
                await live.keep_up()
            else:
                live.deliver(TextFrame(message))


def _closed_on_purpose(closed: ConnectionClosed) -> bool:
    """The client closed the socket itself (1000/1001), rather than the network dropping it."""
    return closed.rcvd is not None and closed.rcvd.code in (CLOSE_NORMAL, CLOSE_GOING_AWAY)


def _ssl_context(config: Config) -> ssl.SSLContext | None:
    if not config.server.certfile:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(config.server.certfile, config.server.keyfile)
    return context


def serve_forever(config: Config) -> int:
    """``parley serve``: run until SIGINT/SIGTERM, then shut down gracefully."""

    async def main() -> None:
        async with ParleyServer(config) as server:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            page = server.http_url
            print(f"parley: listening on {server.url} (page: {page}, health: {page}healthz)", flush=True)
            await stop.wait()
            print("parley: shutting down (finishing live sessions)", flush=True)
            await server.shutdown()

    try:
        asyncio.run(main())
    except ModelMissingError as exc:
        print(f"parley: {exc}", file=sys.stderr)
        return 2
    except (AuthConfigError, ssl.SSLError) as exc:
        print(f"parley: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        log.error("cannot serve on %s:%s: %s", config.server.host, config.server.port, exc)
        return 1
    return 0


__all__ = ["CLOSE_POLICY", "Connection", "ParleyServer", "serve_forever"]
