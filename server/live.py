"""A session as the server hosts it: it outlives its socket, so that a client can resume it.

:class:`LiveSession` owns one :class:`~parley.server.session.Session`, the task that steps it in
the shared inference pool, and the record a resume needs: the finals produced (for replay) and the
audio acknowledged. A :class:`~parley.server.app.Connection` attaches to it (after ``start`` or
``resume``) and detaches when its socket drops; meanwhile the session goes on processing the audio
it holds, keeps its finals, and is ended once ``resume.grace_s`` passes without a resume.

Every event goes through :meth:`LiveSession.emit`: the finals log, the metrics, the MQTT bus, then
the attached connection (if any), in that order, so nothing a client could miss is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import secrets
from collections import deque
from typing import TYPE_CHECKING, Any

from parley.client.formats import apply_speaker_update
from parley.server import messages
from parley.server.audio import PIPELINE_RATE
from parley.server.session import Event, Session

if TYPE_CHECKING:
    from parley.server.app import Connection, ParleyServer

log = logging.getLogger(__name__)
# speaker_update goes with the finals it revises (subscribers apply it by the final's id)
PUBLISHED = {"final": "captions", "speaker_update": "captions", "speakers": "speakers", "partial": "partials"}
SESSION_EVENTS = ("session_start", "session_stop")  # published on <prefix>/sessions/<name>/events


class LiveSession:
    """One hosted session: processing, finals log, attach/detach, expiry."""

    def __init__(self, server: ParleyServer, session: Session) -> None:
        self.server = server
        self.config = server.config
        self.session = session
        self.session_id = session.session_id
        self.token = secrets.token_urlsafe(24)
        self.finals_log: deque[dict[str, Any]] = deque(maxlen=max(1, self.config.resume.replay_finals))
        self.connection: Connection | None = None
        self.detached_since: float | None = None  # loop time of the drop, while detached
        self.ended = False
        self.ending = False  # its last flush or its end has begun: it can no longer be resumed
        self.end_reason: str | None = None
        self.client = ""  # address of the client that started it (its detached sessions are capped)
        self.started_at = asyncio.get_running_loop().time()  # loop time (limits.max_session_wall_s)
        self._rename_tokens = float(self.config.limits.rename_burst)
        self._rename_at = self.started_at
        self.failed: BaseException | None = None  # the processor's exception, if it failed
        self._work = asyncio.Event()  # new audio, or the end of the stream
        self._progress = asyncio.Event()  # the processor consumed audio (releases back-pressure)
        self._stopping = False
        self._ack_sent = 0  # `ack` of the last message that carried one
        self._expiry: asyncio.Task[None] | None = None
        self._processor: asyncio.Task[None] | None = None
        self._finished = False

    @property
    def name(self) -> str:
        """The client's name for the session (MQTT topics), else its id."""
        return self.session.options.name or self.session_id

    def allow_rename(self) -> bool:
        """Token bucket of ``limits.renames_per_s`` (burst ``limits.rename_burst``): may one more go?"""
        limits = self.config.limits
        now = asyncio.get_running_loop().time()
        refill = (now - self._rename_at) * limits.renames_per_s
        self._rename_tokens = min(float(limits.rename_burst), self._rename_tokens + refill)
        self._rename_at = now
        if self._rename_tokens < 1.0:
            return False
        self._rename_tokens -= 1.0
        return True

    def token_matches(self, token: str) -> bool:
        return hmac.compare_digest(token.encode(), self.token.encode())

    def start(self) -> None:
        self._processor = asyncio.create_task(self._process(), name=f"process-{self.session_id}")

    # -- events out ------------------------------------------------------------------------------

    def emit(self, event: Event) -> None:
        """Record, count, publish and send one event (``lag`` and ``ack`` added)."""
        message = messages.stamp(event, self.session.lag, self.session.ack)
        self._ack_sent = self.session.ack
        kind = message["type"]
        metrics = self.server.metrics
        if kind == "final":
            self.finals_log.append(message)
            metrics.finals.inc()
            metrics.final_latency.observe(max(0.0, self.session.received / PIPELINE_RATE - message["end"]))
        elif kind == "speaker_update":
            for index, final in enumerate(self.finals_log):  # a resumed client replays the revised final
                if final["id"] == message["id"]:
                    self.finals_log[index] = apply_speaker_update(final, message)
            metrics.speaker_updates.inc()
        elif kind == "error":
            metrics.errors.labels(message["code"]).inc()
        metrics.lag.labels(self.session_id).set(self.session.lag)
        self.publish(kind, message)
        if self.connection is not None:
            self.connection.enqueue(message)

    def publish(self, kind: str, message: dict[str, Any]) -> None:
        publisher = self.server.publisher
        topic = PUBLISHED.get(kind)
        if publisher is None or (topic is None and kind not in SESSION_EVENTS):
            return
        payload = {**message, "session": self.name, "session_id": self.session_id}
        publisher.publish(self.name, topic or "events", payload)

    def maybe_ack(self) -> None:
        """An ``ack`` message when no message carried one for ``resume.ack_interval_s`` of audio."""
        interval = self.config.resume.ack_interval_s * self.session.options.sample_rate
        if self.session.ack - self._ack_sent >= interval:
            self.emit(messages.Ack().wire())

    # -- audio in --------------------------------------------------------------------------------

    def receive_audio(self, data: bytes) -> None:
        before = self.session.received
        self.session.receive_audio(data)
        self.server.metrics.audio_seconds.inc((self.session.received - before) / PIPELINE_RATE)
        self._work.set()

    async def keep_up(self) -> None:
        """Back-pressure: return once less than ``audio.max_lag_s`` of audio waits for processing."""
        while self.session.lag > self.config.audio.max_lag_s and not self.ended and self.failed is None:
            self._progress.clear()
            await self._progress.wait()

    # -- processing ------------------------------------------------------------------------------

    async def _process(self) -> None:
        """Step the session in the inference pool while audio waits; emit its events."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                await self._work.wait()
                self._work.clear()
                while self.session.has_pending:
                    events = await loop.run_in_executor(self.server.executor, self.session.step)
                    self._progress.set()
                    for event in events:
                        self.emit(event)
                if self._stopping:
                    return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("session=%s failed", self.session_id)
            self.failed = exc
            self._progress.set()
            if self.connection is not None:
                self.connection.fail_internal()
            else:
                self.server.spawn(self.end("error"))

    async def finish(self) -> None:
        """End of audio: process everything held, close the open utterance, emit the last finals."""
        if self._finished or self.failed is not None:
            return
        self._finished = True
        self.ending = True
        self.session.end_of_audio()
        self._stopping = True
        self._work.set()
        if self._processor is not None:  # wait, without cancelling it if this task is cancelled
            await asyncio.wait({self._processor})
        loop = asyncio.get_running_loop()
        for event in await loop.run_in_executor(self.server.executor, self.session.finish):
            self.emit(event)

    # -- sockets ---------------------------------------------------------------------------------

    def attach(self, connection: Connection) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        if self.detached_since is not None:
            self.server.metrics.sessions_detached.dec()
            self.server.metrics.sessions_active.inc()
        self.detached_since = None
        self.connection = connection

    def detach(self, connection: Connection) -> None:
        """``connection``'s socket dropped: keep the session for ``resume.grace_s``."""
        if self.connection is not connection or self.ended:
            return  # a newer connection has taken over already
        self.connection = None
        self.session.detach()
        self.detached_since = asyncio.get_running_loop().time()
        self.server.metrics.sessions_active.dec()
        self.server.metrics.sessions_detached.inc()
        grace = self.config.resume.grace_s
        log.info("session=%s detached: kept %.0f s for a resume", self.session_id, grace)
        self._expiry = asyncio.create_task(self._expire_after(grace), name=f"expire-{self.session_id}")
        self.server.limit_detached()

    async def _expire_after(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        log.info("session=%s expired: no resume within %.0f s", self.session_id, seconds)
        await self.end("expired", flush=True)

    async def end(self, reason: str, flush: bool = False) -> None:
        """Drop the session for good (after flushing its finals to the log and bus, if asked)."""
        if self.ended:
            return
        self.ending = True
        if flush:
            with contextlib.suppress(Exception):
                await self.finish()
        if self.ended:
            return
        self.ended = True
        self.end_reason = reason
        current = asyncio.current_task()
        for task in (self._processor, self._expiry):
            if task is not None and task is not current and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self.detached_since is not None:
            self.server.metrics.sessions_detached.dec()
        elif self.connection is not None:
            self.server.metrics.sessions_active.dec()
        self.connection = None
        self._progress.set()
        self.publish(
            "session_stop",
            messages.stamp(messages.SessionStop(reason, self.session.finals_sent).wire(), 0.0),
        )
        self.server.metrics.forget_session(self.session_id)
        self.server.forget(self)
        log.info(
            "session=%s ended (%s): %d finals, %.1f s of audio",
            self.session_id,
            reason,
            self.session.finals_sent,
            self.session.received / PIPELINE_RATE,
        )

    def replay_after(self, last_final_id: int) -> tuple[list[dict[str, Any]], bool]:
        """Finals after ``last_final_id``, and whether the log still holds all of them."""
        finals = [f for f in self.finals_log if f["id"] > last_final_id]
        oldest = self.finals_log[0]["id"] if self.finals_log else self.session.finals_sent + 1
        complete = last_final_id + 1 >= oldest or last_final_id >= self.session.finals_sent
        return finals, complete
