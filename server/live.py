"""A session as the server hosts it: it outlives its socket, so that a client can resume it.

:class:`LiveSession` is the I/O around one session's rules (:class:`~parley.server.lifecycle.
SessionProtocol`): it feeds the protocol its inputs (:meth:`LiveSession.deliver`) and carries out the
outputs, with no rule of its own: it sends to the attached :class:`~parley.server.app.Connection`,
closes it, publishes on MQTT, feeds audio to the :class:`~parley.server.session.Session` and steps it
in the shared inference pool, runs the final flush, and runs the protocol's timers, and keeps
the metrics; the protocol keeps what a resume replays.

While no connection is attached the session goes on processing the audio it holds and keeps its
finals; the protocol ends it once ``resume.grace_s`` passes without a resume.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from typing import TYPE_CHECKING, Any

from parley.server import messages
from parley.server.audio import PIPELINE_RATE, AudioDecodeError
from parley.server.lifecycle import (
    AudioLimit,
    BadAudio,
    CancelTimer,
    Close,
    Dropped,
    Ended,
    Feed,
    FlushDone,
    Input,
    Output,
    Publish,
    RenameSpeaker,
    RunFinalize,
    RunFlush,
    Send,
    SessionProtocol,
    SetTimer,
    State,
    StepDone,
    TimerFired,
    TimerKind,
)
from parley.server.session import Event, Session

if TYPE_CHECKING:
    from parley.server.app import Connection, ParleyServer

log = logging.getLogger(__name__)
# MQTT topics: speaker_update goes with the finals it revises (subscribers apply it by the final's id)
PUBLISHED = {"final": "captions", "speaker_update": "captions", "speakers": "speakers", "partial": "partials"}
SESSION_EVENTS = ("session_start", "session_stop")  # published on <prefix>/sessions/<name>/events


class LiveSession:
    """One hosted session: its protocol's I/O, processing, finals log, attach/detach."""

    def __init__(self, server: ParleyServer, session: Session, protocol: SessionProtocol) -> None:
        self.server = server
        self.config = server.config
        self.session = session
        self.session_id = session.session_id
        self.protocol = protocol
        protocol.session_id = self.session_id
        self.token = secrets.token_urlsafe(24)
        self.connection: Connection | None = None
        self.detached_since: float | None = None  # loop time of the drop, while detached
        self.end_reason: str | None = None
        self.client = ""  # address of the client that started it (its detached sessions are capped)
        self.finished = asyncio.Event()  # set when the protocol is DONE
        self._loop = asyncio.get_running_loop()
        self._timers: dict[TimerKind, asyncio.TimerHandle] = {}
        self._work = asyncio.Event()  # new audio, or the end of the stream
        self._progress = asyncio.Event()  # the processor consumed audio (releases back-pressure)
        self._stopping = False
        self._finalize = False  # a finalize is pending (RunFinalize); later requests join it
        self._processor: asyncio.Task[None] | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._counted = 0  # of session.received, in the metrics
        self._decoder_said = False  # its error or its limit was delivered to the protocol
        session.decoder.on_ready = self._decoder_ready_threadsafe  # a demuxer thread calls it

    @property
    def name(self) -> str:
        """The client's name for the session (MQTT topics), else its id."""
        return self.session.options.name or self.session_id

    @property
    def ending(self) -> bool:
        """Its last flush or its end has begun: it can no longer be resumed."""
        return self.protocol.state in (State.FINISHING, State.DONE)

    @property
    def ended(self) -> bool:
        return self.protocol.done

    def start(self) -> None:
        self._processor = asyncio.create_task(self._process(), name=f"process-{self.session_id}")

    # -- the protocol's inputs and outputs -------------------------------------------------------

    def deliver(self, event: Input) -> None:
        """Feed one input to the session's protocol and carry out what it returns."""
        self.execute(self.protocol.receive(event, self._loop.time()))

    def events(self, *events: Event) -> None:
        """Messages of the session itself (a rename's roster, an unknown speaker) to deliver."""
        self.deliver(StepDone(tuple(events), lag=self.session.lag))

    def execute(self, outputs: list[Output]) -> None:
        for output in outputs:
            if isinstance(output, Send):
                self._send(output.message, output.from_finalize)
            elif isinstance(output, Publish):
                self._record(output.message)
                self.publish(output.message["type"], output.message)
            elif isinstance(output, Close):
                if self.connection is not None:
                    self.connection.close_after(output.code, output.reason)
            elif isinstance(output, Feed):
                self.receive_audio(output.data)
            elif isinstance(output, RenameSpeaker):
                self._rename(output.speaker, output.name)
            elif isinstance(output, RunFinalize):
                self._finalize = True  # the processor runs it after the audio it holds
                self._work.set()
            elif isinstance(output, RunFlush):
                self._flusher = asyncio.create_task(self._flush(), name=f"flush-{self.session_id}")
            elif isinstance(output, SetTimer):
                self._cancel_timer(output.kind)
                self._timers[output.kind] = self._loop.call_later(
                    output.seconds, self.deliver, TimerFired(output.kind)
                )
            elif isinstance(output, CancelTimer):
                self._cancel_timer(output.kind)
            elif isinstance(output, Ended):
                self._ended(output.reason)
        # nobody listens while no client is attached (detached, or its client left during the flush):
        # its model calls rank below every live session's (server/scheduler.py, BACKGROUND)
        self.session.background = not self.protocol.attached
        if self.connection is not None and (self.protocol.done or not self.protocol.attached):
            self.connection.released.set()  # nothing more goes to this connection

    def _cancel_timer(self, kind: TimerKind) -> None:
        timer = self._timers.pop(kind, None)
        if timer is not None:
            timer.cancel()

    def _send(self, message: dict[str, Any], from_finalize: bool = False) -> None:
        if message["type"] == "error":
            self.server.metrics.errors.labels(message["code"]).inc()
        if self.connection is not None:
            self.connection.enqueue(message, from_finalize=from_finalize)

    def _record(self, message: dict[str, Any]) -> None:
        """Count what is published (the protocol keeps what a resume replays)."""
        kind = message["type"]
        metrics = self.server.metrics
        if kind == "final":
            metrics.finals.inc()
            metrics.final_latency.observe(max(0.0, self.session.received / PIPELINE_RATE - message["end"]))
        elif kind == "speaker_update":
            metrics.speaker_updates.inc()

    def publish(self, kind: str, message: dict[str, Any]) -> None:
        publisher = self.server.publisher
        topic = PUBLISHED.get(kind)
        if publisher is None or (topic is None and kind not in SESSION_EVENTS):
            return
        payload = {**message, "session": self.name, "session_id": self.session_id}
        publisher.publish(self.name, topic or "events", payload)

    def _rename(self, speaker: str, name: str) -> None:
        names = self.session.speaker_ids()
        if speaker not in names:
            known = ", ".join(names) or "none yet"
            self.events(
                messages.error_event("unknown_speaker", f"no speaker {speaker!r} (known: {known})", False)
            )
            return
        self.events(self.session.rename_speaker(speaker, name))

    # -- audio in --------------------------------------------------------------------------------

    def receive_audio(self, data: bytes) -> None:
        try:
            self.session.receive_audio(data)
        except AudioDecodeError as exc:  # delivered after the outputs being carried out now
            self._decoder_said = True
            self._loop.call_soon(self.deliver, BadAudio(str(exc)))
            return
        self._count_audio()
        self._work.set()
        self._loop.call_soon(self._check_decoder)

    def _count_audio(self) -> None:
        received = self.session.received
        self.server.metrics.audio_seconds.inc((received - self._counted) / PIPELINE_RATE)
        self._counted = received

    def _decoder_ready_threadsafe(self) -> None:
        """From a demuxer thread: decoded audio waits, its input was read, or it ended."""
        with contextlib.suppress(RuntimeError):  # the loop is closed: the session is long over
            self._loop.call_soon_threadsafe(self._decoder_ready)

    def _decoder_ready(self) -> None:
        self._work.set()
        self._progress.set()
        self._check_decoder()

    def _check_decoder(self) -> None:
        """A compressed stream's decoder failed or holds the session's limit: tell the protocol."""
        decoder = self.session.decoder
        if self._decoder_said or self.ended:
            return
        if decoder.error is not None:
            self._decoder_said = True
            self.deliver(BadAudio(decoder.error))
        elif decoder.full:
            self._decoder_said = True
            self.deliver(AudioLimit())

    async def keep_up(self) -> None:
        """Back-pressure: return once less than ``audio.max_lag_s`` of audio waits for processing
        (decoded or not: a compressed stream's demuxer must have taken the input sent so far)."""
        while (
            self.session.lag > self.config.audio.max_lag_s or self.session.decoder.backlogged
        ) and not self.ended:
            self._progress.clear()
            await self._progress.wait()

    # -- processing ------------------------------------------------------------------------------

    async def _process(self) -> None:
        """Step the session in the inference pool while audio waits; deliver its events."""
        try:
            while True:
                await self._work.wait()
                self._work.clear()
                while self.session.has_pending:
                    events = await self._loop.run_in_executor(self.server.executor, self.session.step)
                    self._progress.set()
                    self._count_audio()
                    self.server.metrics.lag.labels(self.session_id).set(self.session.lag)
                    if events:
                        self.deliver(StepDone(tuple(events), lag=self.session.lag))
                if self._finalize and not self._stopping and not self.ended:
                    self._finalize = False
                    events = await self._loop.run_in_executor(self.server.executor, self.session.finalize)
                    self._progress.set()
                    self.deliver(StepDone(tuple(events), lag=self.session.lag, finalized=True))
                if self._stopping:
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("session=%s failed", self.session_id)
            self._progress.set()
            self.deliver(StepDone(failed=True))

    async def _flush(self) -> None:
        """End of audio: process everything held, close the open utterance, deliver the last finals."""
        try:  # in the pool: a compressed stream's demuxer may take a moment to decode its tail
            await self._loop.run_in_executor(self.server.executor, self.session.end_of_audio)
        except AudioDecodeError as exc:  # what decoded before it still counts
            self.deliver(BadAudio(str(exc)))
        self._stopping = True
        self._work.set()
        if self._processor is not None:  # wait, without cancelling it if this task is cancelled
            await asyncio.wait({self._processor})
        if self.ended:  # it failed meanwhile
            return
        try:
            events = await self._loop.run_in_executor(self.server.executor, self.session.finish)
        except Exception:
            log.exception("session=%s failed in its final flush", self.session_id)
            self.deliver(StepDone(failed=True))
            return
        self._count_audio()
        self._check_decoder()  # an error in the stream's end is said before `done`
        duration = self.session.received / PIPELINE_RATE
        self.deliver(FlushDone(tuple(events), duration=duration, lag=self.session.lag))

    async def wait_done(self) -> None:
        await self.finished.wait()

    # -- sockets ---------------------------------------------------------------------------------

    def attach(self, connection: Connection) -> None:
        if self.detached_since is not None:
            self.server.metrics.sessions_detached.dec()
            self.server.metrics.sessions_active.inc()
        self.detached_since = None
        self.connection = connection

    def detach(self, connection: Connection, limit: bool = True) -> None:
        """``connection``'s socket dropped without a close: the protocol keeps the session for a resume
        (``limit``: then apply the server's caps on dropped sessions)."""
        if self.connection is not connection or self.ended:
            return  # a newer connection has taken over already
        self.deliver(Dropped())
        connection.released.set()
        if self.protocol.state is not State.DETACHED:
            return
        self.connection = None
        self.session.detach()
        self.detached_since = self._loop.time()
        self.server.metrics.sessions_active.dec()
        self.server.metrics.sessions_detached.inc()
        grace = self.config.resume.grace_s
        log.info("session=%s detached: kept %.0f s for a resume", self.session_id, grace)
        if limit:
            self.server.limit_detached()

    def _ended(self, reason: str) -> None:
        """The protocol is DONE: drop the session for good."""
        self.end_reason = reason
        self.session.decoder.close()  # a compressed stream's demuxer thread reads the end
        for kind in list(self._timers):
            self._cancel_timer(kind)
        current = asyncio.current_task()
        for task in (self._processor, self._flusher):
            if task is not None and task is not current and not task.done():
                task.cancel()
        if self.detached_since is not None:
            self.server.metrics.sessions_detached.dec()
        elif self.connection is not None:
            self.server.metrics.sessions_active.dec()
        if self.connection is not None:
            self.connection.released.set()
        self.connection = None
        self._progress.set()
        self.finished.set()
        self.server.metrics.forget_session(self.session_id)
        self.server.forget(self)
        log.info(
            "session=%s ended (%s): %d finals, %.1f s of audio",
            self.session_id,
            reason,
            self.session.finals_sent,
            self.session.received / PIPELINE_RATE,
        )
