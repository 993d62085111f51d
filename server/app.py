"""The asyncio WebSocket server: a thin loop around :class:`~parley.server.session.Session`.

Per connection, :class:`Connection` runs two tasks: the *reader* (socket -> protocol -> session
queue, with back-pressure) and the *processor* (session steps in the shared inference pool ->
events -> socket). Model inference never runs on the event loop, so a slow session never stalls
another's socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import signal
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from parley.config import Config
from parley.models.bundle import ModelMissingError
from parley.server import http
from parley.server.engine import Engine
from parley.server.mqtt import CaptionPublisher
from parley.server.protocol import (
    CLOSE_INTERNAL,
    CLOSE_NORMAL,
    CLOSE_POLICY,
    CLOSE_TOO_BIG,
    CLOSE_TRY_AGAIN,
    PROTOCOL_VERSION,
    ProtocolError,
    Rename,
    Start,
    Stop,
    error_event,
    parse_text,
)
from parley.server.session import Session

log = logging.getLogger(__name__)
EVENT_TYPES = ("session_start", "session_stop")  # published on <prefix>/sessions/<name>/events


class ParleyServer:
    """Loads the models once, then serves sessions until closed.

    ``async with ParleyServer(config) as server: ... server.url ...``; port 0 picks a free port.
    """

    def __init__(self, config: Config, engine: Engine | None = None) -> None:
        self.config = config
        self.engine = engine
        self.executor: ThreadPoolExecutor | None = None
        self.connections: set[Connection] = set()
        self._server: Server | None = None
        self.port: int | None = None
        self.publisher = CaptionPublisher(config.mqtt) if config.mqtt.url else None

    @property
    def url(self) -> str:
        return f"ws://{self.config.server.host}:{self.port}/"

    async def start(self) -> None:
        if self.engine is None:
            self.engine = await asyncio.to_thread(Engine, self.config)
        self.executor = ThreadPoolExecutor(
            max_workers=max(1, self.config.server.inference_workers), thread_name_prefix="parley-inference"
        )
        self._server = await serve(
            self._handle,
            self.config.server.host,
            self.config.server.port,
            process_request=self._process_request,
            max_size=2 * self.config.server.max_message_bytes,
        )
        self.port = next(iter(self._server.sockets)).getsockname()[1]
        if self.publisher is not None:
            self.publisher.start()
        log.info("serving on %s (max %d sessions)", self.url, self.config.server.max_sessions)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self.publisher is not None:
            await self.publisher.close()
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)

    async def __aenter__(self) -> ParleyServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        return http.respond(connection, request)

    async def _handle(self, websocket: ServerConnection) -> None:
        if len(self.connections) >= self.config.server.max_sessions:
            log.warning("refusing a session: at the limit of %d", self.config.server.max_sessions)
            await websocket.close(
                CLOSE_TRY_AGAIN,
                f"server busy: {self.config.server.max_sessions} sessions active; try again later",
            )
            return
        connection = Connection(self, websocket)
        self.connections.add(connection)
        try:
            await connection.run()
        finally:
            self.connections.discard(connection)


class Connection:
    """One client connection and its session."""

    def __init__(self, server: ParleyServer, websocket: ServerConnection) -> None:
        self.server = server
        self.config = server.config
        self.websocket = websocket
        self.session_id = uuid.uuid4().hex[:12]
        self.session: Session | None = None
        self._work = asyncio.Event()  # new audio or stop for the processor
        self._progress = asyncio.Event()  # the processor consumed audio (releases back-pressure)
        self._stopping = False

    @property
    def session_name(self) -> str:
        """The client's name for the session (MQTT topics), else its id."""
        if self.session is not None and self.session.options.name:
            return self.session.options.name
        return self.session_id

    async def send(self, event: dict[str, Any]) -> None:
        """To the client, and to the MQTT bus first (so a vanished client loses nothing there)."""
        lag = self.session.lag if self.session is not None else 0.0
        message = {**event, "lag": lag}
        self._publish(event["type"], message)
        await self.websocket.send(json.dumps(message))

    def _publish(self, kind: str, message: dict[str, Any]) -> None:
        publisher = self.server.publisher
        topic = {"final": "captions", "speakers": "speakers", "partial": "partials"}.get(kind)
        if publisher is None or self.session is None or (topic is None and kind not in EVENT_TYPES):
            return
        payload = {**message, "session": self.session_name, "session_id": self.session_id}
        publisher.publish(self.session_name, topic or "events", payload)

    async def fail(self, error: ProtocolError) -> None:
        await self.send(error.event())
        await self.websocket.close(error.close_code, error.message[:120])

    async def run(self) -> None:
        reason = "error"
        try:
            if await self._await_start():
                await self._serve_session()
                reason = "done"
        except ConnectionClosed:
            reason = "client_gone"
            log.info("session %s: client went away", self.session_id)
        except Exception:
            log.exception("session %s failed", self.session_id)
            try:
                await self.send(error_event("internal", "internal server error; the session has ended", True))
                await self.websocket.close(CLOSE_INTERNAL, "internal error")
            except ConnectionClosed:
                pass
        finally:
            if self.session is not None:
                finals = self.session.finals_sent
                self._publish("session_stop", {"type": "session_stop", "reason": reason, "finals": finals})

    async def _await_start(self) -> bool:
        """Read until a valid ``start``; returns False when the connection ended instead."""
        deadline = asyncio.get_running_loop().time() + self.config.server.max_start_wait_s
        while True:
            timeout = deadline - asyncio.get_running_loop().time()
            try:
                message = await asyncio.wait_for(self.websocket.recv(), timeout=max(timeout, 0))
            except TimeoutError:
                wait = self.config.server.max_start_wait_s
                await self.fail(
                    ProtocolError("start_timeout", f"no 'start' message within {wait} s", fatal=True)
                )
                return False
            if isinstance(message, bytes):
                await self.send(
                    error_event("not_started", "audio before 'start'; send a start message first", False)
                )
                continue
            try:
                parsed = parse_text(message, self.config)
            except ProtocolError as error:
                if error.fatal:
                    await self.fail(error)
                    return False
                await self.send(error.event())
                continue
            if isinstance(parsed, Stop):
                await self.send(error_event("not_started", "'stop' before 'start'", False))
                continue
            assert isinstance(parsed, Start)
            self.session = Session(self.server.engine, self.config, parsed.options, self.session_id)
            options = parsed.options
            await self.send(
                {
                    "type": "ready",
                    "session_id": self.session_id,
                    "protocol": PROTOCOL_VERSION,
                    "sample_rate": options.sample_rate,
                    "encoding": options.encoding,
                    "channels": options.channels,
                    "language": options.language,
                    "task": options.task,
                    "asr_model": self.session.transcriber.model_name,
                    "max_message_bytes": self.config.server.max_message_bytes,
                }
            )
            log.info("session %s started: %s", self.session_id, options)
            self._publish(
                "session_start",
                {"type": "session_start", "options": dataclasses.asdict(options), "lag": 0.0},
            )
            return True

    async def _serve_session(self) -> None:
        """Run reader and processor together; whichever fails first ends the session."""
        processor = asyncio.create_task(self._process(), name=f"process-{self.session_id}")
        reader = asyncio.create_task(self._read(), name=f"read-{self.session_id}")
        try:
            await asyncio.wait({reader, processor}, return_when=asyncio.FIRST_COMPLETED)
            if processor.done():  # the processor only ends early by failing
                processor.result()
            stopped = await reader
            self._stopping = True
            self._work.set()
            await processor
            if stopped:
                await self._finish()
        finally:
            for task in (reader, processor):
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                        await task

    async def _read(self) -> bool:
        """Reader task body: returns True on ``stop``; raises ConnectionClosed if the client vanishes."""
        assert self.session is not None
        limit = self.config.server.max_message_bytes
        max_lag = self.config.audio.max_lag_s
        async for message in self.websocket:
            if isinstance(message, bytes):
                if len(message) > limit:
                    await self.fail(
                        ProtocolError(
                            "frame_too_large",
                            f"audio frame of {len(message)} bytes exceeds {limit}; "
                            "send smaller frames (e.g. 100 ms each)",
                            fatal=True,
                            close_code=CLOSE_TOO_BIG,
                        )
                    )
                    return False
                self.session.receive_audio(message)
                self._work.set()
                while self.session.lag > max_lag:  # back-pressure: stop reading until we catch up
                    self._progress.clear()
                    await self._progress.wait()
                continue
            try:
                parsed = parse_text(message, self.config)
            except ProtocolError as error:
                await self.send(error.event())
                continue
            if isinstance(parsed, Stop):
                return True
            if isinstance(parsed, Rename):
                await self._rename(parsed)
                continue
            await self.send(error_event("already_started", "this session has already started", False))
        return False

    async def _rename(self, rename: Rename) -> None:
        assert self.session is not None
        if rename.speaker not in self.session.speaker_names:
            known = ", ".join(self.session.speaker_names) or "none yet"
            await self.send(
                error_event("unknown_speaker", f"no speaker {rename.speaker!r} (known: {known})", False)
            )
            return
        await self.send(self.session.rename_speaker(rename.speaker, rename.name))

    async def _process(self) -> None:
        """Processor task body: step the session in the inference pool, send its events."""
        assert self.session is not None
        loop = asyncio.get_running_loop()
        while True:
            await self._work.wait()
            self._work.clear()
            while self.session.has_pending:
                events = await loop.run_in_executor(self.server.executor, self.session.step)
                self._progress.set()
                for event in events:
                    await self.send(event)
            if self._stopping:
                return

    async def _finish(self) -> None:
        assert self.session is not None
        self.session.end_of_audio()
        loop = asyncio.get_running_loop()
        events = await loop.run_in_executor(self.server.executor, self.session.finish)
        for event in events:
            await self.send(event)
        duration = round(self.session.received / 16000, 3)
        await self.send({"type": "done", "finals": self.session.finals_sent, "duration": duration})
        await self.websocket.close(CLOSE_NORMAL, "done")
        log.info(
            "session %s done: %d finals, %.1f s audio", self.session_id, self.session.finals_sent, duration
        )


def serve_forever(config: Config) -> int:
    """``parley serve``: run until SIGINT/SIGTERM."""

    async def main() -> None:
        async with ParleyServer(config) as server:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            print(
                f"parley: listening on {server.url} (health: http://{config.server.host}:{server.port}/healthz)"
            )
            await stop.wait()

    try:
        asyncio.run(main())
    except ModelMissingError as exc:
        print(f"parley: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        log.error("cannot serve on %s:%s: %s", config.server.host, config.server.port, exc)
        return 1
    return 0


__all__ = ["CLOSE_POLICY", "Connection", "ParleyServer", "serve_forever"]
