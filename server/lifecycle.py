"""The rules of one session's life, sans I/O: a state machine that takes inputs and returns outputs.

:class:`SessionProtocol` has no socket, thread, clock or model: the caller feeds it typed inputs
(a client's text or audio frame, a front-end's request, the session created, the socket dropping,
a timer firing, a pipeline step or the final flush done, a resume, the server refusing the session,
eviction, shutdown, a cut) with the current time, and carries out the outputs it returns (send a
message, close with a code, publish, begin a session or take over another on ``resume``, feed audio
to the pipeline, rename, flush, set or cancel a timer, ended). Start, ``ready``, resume (the token
check, what is replayed and whether some of it is lost), the limits, the rename rate, the ``ack``
interval, shutdown, the messages that end a session and the close-code policy live here only, as in
the ``websockets`` library's own sans-I/O ``protocol.py``; :mod:`parley.server.app`
(``Connection``) and :mod:`parley.server.live` (``LiveSession``) are its I/O.

States (see docs/protocol.md, "Lifecycle")::

    OPENING --start--> STREAMING --stop / limit / idle / shutdown--> FINISHING --flush done--> DONE
       |                 |   ^                                          ^
       |                 | dropped   resume                             | grace / evicted / shutdown
       |                 v   |                                          |
       |               DETACHED ------------------------------------------
       +--bad start / no start in time / dropped / shutdown / fatal error / refused-------------> DONE
    any state --cut (server closing) / failed step--> DONE

Nothing is emitted once the state is ``DONE``; a resume is refused once ``FINISHING`` began.
"""

from __future__ import annotations

import dataclasses
import enum
import hmac
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from parley.client.formats import apply_speaker_update
from parley.config import Config
from parley.server import messages
from parley.server.audio import unit_bytes, units_per_second
from parley.server.messages import SessionOptions, Wire
from parley.server.protocol import (
    CLOSE_GOING_AWAY,
    CLOSE_INTERNAL,
    CLOSE_INVALID_DATA,
    CLOSE_NORMAL,
    CLOSE_POLICY,
    CLOSE_TOO_BIG,
    PROTOCOL_VERSION,
    ClientMessage,
    Finalize,
    Keepalive,
    ProtocolError,
    Rename,
    Resume,
    Start,
    Stop,
    parse_text,
    shown,
)


class State(enum.Enum):
    OPENING = "opening"  # connected, waiting for `start` (or `resume`, handled by the server)
    STREAMING = "streaming"  # audio flows; a client is attached
    DETACHED = "detached"  # the socket dropped: kept for a resume until the grace timer fires
    FINISHING = "finishing"  # the final flush is running: no resume, no more client input
    DONE = "done"  # final: nothing more is emitted


TimerKind = Literal["start", "idle", "wall", "grace"]
EndReason = Literal[
    "stop", "too_long", "wall_limit", "idle", "shutdown", "expired", "evicted", "error", "client_gone"
]
# the reason an end is published (``session_stop``) and logged under, where it differs from its cause
ENDED_AS = {"stop": "done", "wall_limit": "too_long"}


# -- inputs ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextFrame:
    text: str


@dataclass(frozen=True)
class AudioFrame:
    data: bytes


@dataclass(frozen=True)
class Dropped:
    """The socket went away: ``clean`` when the client closed it on purpose (1000/1001)."""

    clean: bool = False


@dataclass(frozen=True)
class TimerFired:
    kind: TimerKind


@dataclass(frozen=True)
class BadAudio:
    """The audio the client sent cannot be decoded (``reason`` says why): the session ends."""

    reason: str


@dataclass(frozen=True)
class AudioLimit:
    """The session's decoder holds ``limits.max_session_s`` of decoded audio (a compressed stream,
    whose frames are counted here in bytes): the session ends as too long."""


@dataclass(frozen=True)
class Requested:
    """A front-end whose session options come with the connection (Deepgram's query string) asks
    for the session at once: as a valid ``start`` would."""

    options: SessionOptions


@dataclass(frozen=True)
class StepDone:
    """A pipeline step (or the session: ``ready``, a rename's roster) returned ``events``, or a step
    raised (``failed``). ``lag``: seconds of audio received but not processed yet, stamped on them.
    ``finalized``: the step was a finalize's flush (its events are sent marked, then ``finalized``)."""

    events: tuple[Wire, ...] = ()
    failed: bool = False
    lag: float = 0.0
    finalized: bool = False


@dataclass(frozen=True)
class FlushDone:
    """The final flush (end of audio, last finals) returned ``events``. ``duration``: seconds of audio
    the pipeline heard (``done.duration``); None: the samples received at the client's rate."""

    events: tuple[Wire, ...] = ()
    duration: float | None = None
    lag: float = 0.0


@dataclass(frozen=True)
class Started:
    """The server created the session that ``Begin`` asked for: its id, the token a resume presents,
    and the speech model it runs. The protocol answers ``ready`` and publishes ``session_start``."""

    session_id: str
    resume_token: str
    asr_model: str


@dataclass(frozen=True)
class Resumed:
    """A new connection presented this session's id and a token :meth:`SessionProtocol.resumable`
    accepted, and has received every final up to ``last_final_id``. ``roster``: the session's speakers
    now (sent after the replay). The protocol answers ``resumed``, replays the finals it keeps after
    ``last_final_id`` (revised by later ``speaker_update``), and a ``replay_incomplete`` error where
    its log no longer holds all of them."""

    last_final_id: int = 0
    roster: Wire | None = None


@dataclass(frozen=True)
class Refused:
    """The server cannot take the session it was asked for (busy, name taken, bad resume, draining)."""

    error: ProtocolError


@dataclass(frozen=True)
class Cut:
    """The server is closing now (a shutdown deadline passed): the session ends without a flush."""

    reason: str


@dataclass(frozen=True)
class Evicted:
    """The server needs the room: a detached session is ended (flushed first)."""


@dataclass(frozen=True)
class Shutdown:
    """The server is shutting down: finish what was received, then close 1001."""


Input = (
    TextFrame
    | Requested
    | Started
    | BadAudio
    | AudioLimit
    | AudioFrame
    | Dropped
    | TimerFired
    | StepDone
    | FlushDone
    | Resumed
    | Evicted
    | Shutdown
    | Refused
    | Cut
)


# -- outputs -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Send:
    """``from_finalize``: the message came out of a finalize's flush (a front-end may mark it)."""

    message: Wire
    from_finalize: bool = False


@dataclass(frozen=True)
class Close:
    code: int
    reason: str


@dataclass(frozen=True)
class Publish:
    message: Wire


@dataclass(frozen=True)
class Begin:
    """Create the pipeline for these options (the server then sends `ready`)."""

    options: SessionOptions


@dataclass(frozen=True)
class TakeOver:
    """A ``resume``: the server checks it and moves this connection to that session (or refuses)."""

    resume: Resume


@dataclass(frozen=True)
class Feed:
    data: bytes


@dataclass(frozen=True)
class RenameSpeaker:
    speaker: str
    name: str


@dataclass(frozen=True)
class RunFlush:
    reason: EndReason


@dataclass(frozen=True)
class RunFinalize:
    """Process what was received, close the open utterance, send its finals; the session goes on.
    Answered by a ``StepDone(finalized=True)``; requests while one is pending are answered by it."""


@dataclass(frozen=True)
class SetTimer:
    kind: TimerKind
    seconds: float


@dataclass(frozen=True)
class CancelTimer:
    kind: TimerKind


@dataclass(frozen=True)
class Ended:
    """The session is over (its slot and name are free): ``reason`` for the log and the bus."""

    reason: str


Output = (
    Send
    | Close
    | Publish
    | Begin
    | TakeOver
    | Feed
    | RenameSpeaker
    | RunFlush
    | RunFinalize
    | SetTimer
    | CancelTimer
    | Ended
)
# published on the bus (speaker_update with the finals it revises)
PUBLISHED = ("final", "speaker_update", "speakers", "partial")


class TokenBucket:
    """``rate`` tokens per second up to ``burst``: :meth:`take` spends ``amount`` if it is there."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.at = burst, now

    def take(self, amount: float, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < amount:
            return False
        self.tokens -= amount
        return True


@dataclass
class SessionProtocol:
    """One session's rules. ``receive(input, now)`` returns what to do; ``now`` in seconds."""

    config: Config
    session_id: str = ""
    # parses one text frame (Parley's protocol, or a front-end's such as Deepgram's)
    parser: Callable[[str, Config, bool], ClientMessage] = parse_text
    now: float = 0.0
    state: State = State.OPENING
    options: SessionOptions | None = None
    attached: bool = True  # a client socket is there to send to
    samples: int = 0  # whole samples received per channel, at the client's rate
    finals: int = 0
    _partial_bytes: int = 0
    _end: EndReason | None = None
    _renames: TokenBucket = field(init=False)  # rename messages (limits.renames_per_s)
    _text: TokenBucket = field(init=False)  # text bytes (limits.text_bytes_per_s)
    _acked: int = 0  # ``ack`` of the last message that carried one
    _lag: float = 0.0  # of the events being stamped
    _bad_audio: str | None = None  # the stream's end did not decode (found by the final flush)
    _token: str = ""  # what a resume presents (``Started``); empty: none can
    _ready: bool = False  # ``ready`` was sent
    # the last ``resume.replay_finals`` finals as sent (revised in place by speaker_update): a replay
    replay_log: deque[Wire] = field(default_factory=deque)

    def __post_init__(self) -> None:
        limits = self.config.limits
        self._renames = TokenBucket(limits.renames_per_s, float(limits.rename_burst), self.now)
        self._text = TokenBucket(float(limits.text_bytes_per_s), float(limits.text_burst_bytes), self.now)
        self.replay_log = deque(maxlen=max(1, self.config.resume.replay_finals))

    @property
    def done(self) -> bool:
        return self.state is State.DONE

    def resumable(self, token: str) -> bool:
        """Can a ``resume`` presenting ``token`` take this session over? Not once its end began."""
        if self.state not in (State.STREAMING, State.DETACHED) or not self._token:
            return False
        return hmac.compare_digest(token.encode(errors="surrogatepass"), self._token.encode())

    def resume_refusal(self, session_id: str) -> ProtocolError:
        """The answer to a ``resume`` no session accepts (unknown id, wrong token, ended or ending)."""
        grace = self.config.resume.grace_s
        return ProtocolError(
            "resume_failed",
            f"session {shown(session_id)} cannot be resumed: it is unknown, its token is "
            f"wrong, or it ended or is ending (a dropped session is kept {grace:.0f} s); "
            "start a new session",
            fatal=True,
        )

    def start_timers(self) -> list[Output]:
        """What the server does on accepting the connection."""
        return [SetTimer("start", self.config.server.max_start_wait_s)]

    def receive(self, event: Input, now: float) -> list[Output]:
        self.now = now
        if self.state is State.DONE:
            return []
        if isinstance(event, Cut):
            return self._cut(event.reason)
        handler = {
            State.OPENING: self._opening,
            State.STREAMING: self._streaming,
            State.DETACHED: self._detached,
            State.FINISHING: self._finishing,
        }[self.state]
        return handler(event)

    # -- states ----------------------------------------------------------------------------------

    def _opening(self, event: Input) -> list[Output]:
        if isinstance(event, AudioFrame):
            return [self._error("not_started", "audio before 'start'; send a start message first", False)]
        if isinstance(event, TimerFired) and event.kind == "start":
            wait = self.config.server.max_start_wait_s
            return self._fatal(ProtocolError("start_timeout", f"no 'start' message within {wait} s", True))
        if isinstance(event, Dropped):
            return self._finish_now("client_gone")
        if isinstance(event, Shutdown):
            return [Close(CLOSE_GOING_AWAY, "server shutting down"), *self._finish_now("shutdown")]
        if isinstance(event, Refused):
            return self._fatal(event.error)
        if isinstance(event, Requested):
            return self._begin(event.options)
        if not isinstance(event, TextFrame):
            return []
        try:
            parsed = self._parse(event.text, started=False)
        except ProtocolError as error:
            return self._fatal(error) if error.fatal else [Send(messages.stamp(error.event(), 0.0))]
        if isinstance(parsed, Start):
            return self._begin(parsed.options)
        if isinstance(parsed, Resume):
            return [TakeOver(parsed)]  # another session's: the server moves this connection to it
        if isinstance(parsed, Keepalive):
            return []
        what = {Stop: "stop", Rename: "rename", Finalize: "finalize"}.get(type(parsed), "message")
        return [self._error("not_started", f"'{what}' before 'start'", False)]

    def _begin(self, options: SessionOptions) -> list[Output]:
        self.options = options
        self.state = State.STREAMING
        limits = self.config.limits
        return [
            CancelTimer("start"),
            Begin(options),
            SetTimer("idle", limits.idle_timeout_s),
            SetTimer("wall", limits.max_session_wall_s),
        ]

    def _streaming(self, event: Input) -> list[Output]:
        limits = self.config.limits
        if isinstance(event, AudioFrame):
            frame_limit = self.config.server.max_message_bytes
            if len(event.data) > frame_limit:
                error = ProtocolError(
                    "frame_too_large",
                    f"audio frame of {len(event.data)} bytes exceeds {frame_limit}; "
                    "send smaller frames (e.g. 100 ms each)",
                    True,
                    CLOSE_TOO_BIG,
                )
                return [*self._fatal_send(error), *self._flush("error", attached=False)]
            assert self.options is not None
            frame_bytes = unit_bytes(self.options.encoding, self.options.channels)
            per_second = units_per_second(self.options.encoding, self.options.sample_rate)
            allowed = int(limits.max_session_s * per_second) - self.samples
            data = event.data[: max(0, allowed * frame_bytes - self._partial_bytes)]
            whole, self._partial_bytes = divmod(self._partial_bytes + len(data), frame_bytes)
            self.samples += whole
            outputs: list[Output] = [SetTimer("idle", limits.idle_timeout_s)]
            interval = self.config.resume.ack_interval_s * per_second
            if self.samples - self._acked >= interval and self.attached:
                outputs.append(Send(self._stamp(messages.Ack().wire())))
            if data:
                outputs.append(Feed(data))
            if len(data) < len(event.data):
                outputs += self._flush("too_long")
            return outputs
        if isinstance(event, TextFrame):
            try:
                parsed = self._parse(event.text, started=True)
            except ProtocolError as error:
                if error.fatal:
                    return [*self._fatal_send(error), *self._flush("error", attached=False)]
                return [self._error(error.code, error.message, False)]
            outputs = [SetTimer("idle", limits.idle_timeout_s)]
            if isinstance(parsed, Stop):
                return outputs + self._flush("stop")
            if isinstance(parsed, Finalize):
                return [*outputs, RunFinalize()]
            if isinstance(parsed, Rename):
                if not self._allow_rename():
                    rate, burst = limits.renames_per_s, limits.rename_burst
                    text = (
                        f"too many renames: at most {rate:g} per second (burst {burst}); this one was ignored"
                    )
                    return [*outputs, self._error("rate_limited", text, False)]
                return [*outputs, RenameSpeaker(parsed.speaker, parsed.name)]
            return outputs  # keepalive
        if isinstance(event, TimerFired):
            if event.kind == "idle":
                return self._flush("idle")
            if event.kind == "wall":
                return self._flush("wall_limit")
            return []
        if isinstance(event, AudioLimit):
            return self._flush("too_long")
        if isinstance(event, BadAudio):
            error = ProtocolError("bad_audio", event.reason, True, CLOSE_INVALID_DATA)
            return [*self._fatal_send(error), *self._flush("error", attached=False)]
        if isinstance(event, Started):
            return self._started(event)
        if isinstance(event, StepDone):
            return self._step(event)
        if isinstance(event, Dropped):
            self._partial_bytes = 0  # the bytes of an incomplete sample are resent after a resume
            if event.clean:
                return self._flush("client_gone", attached=False)
            self.state, self.attached = State.DETACHED, False
            return [CancelTimer("idle"), SetTimer("grace", self.config.resume.grace_s)]
        if isinstance(event, Shutdown):
            return self._flush("shutdown")
        if isinstance(event, Refused):  # before the session was created: nothing to flush, no ack
            self.options = None
            return self._fatal(event.error)
        return []

    def _detached(self, event: Input) -> list[Output]:
        if isinstance(event, Resumed):
            return self._resumed(event)
        if isinstance(event, TimerFired) and event.kind == "grace":
            return self._flush("expired", attached=False)
        if isinstance(event, TimerFired) and event.kind == "wall":
            return self._flush("wall_limit", attached=False)
        if isinstance(event, Evicted):
            return self._flush("evicted", attached=False)
        if isinstance(event, AudioLimit):
            return self._flush("too_long", attached=False)
        if isinstance(event, Shutdown):
            return self._flush("shutdown", attached=False)
        if isinstance(event, StepDone):
            return self._step(event)
        return []

    def _finishing(self, event: Input) -> list[Output]:
        if isinstance(event, StepDone):
            return self._step(event)
        if isinstance(event, Dropped):
            self.attached = False
            return []
        if isinstance(event, BadAudio):  # found at the stream's end: said before `done`, closed 1007
            self._bad_audio = event.reason
            return []
        if isinstance(event, FlushDone):
            self._lag = event.lag
            return self._conclude(event.events, event.duration)
        return []  # client input after its end, timers, resumes (refused by the server): nothing

    def _started(self, event: Started) -> list[Output]:
        if self._ready:  # once per session
            return []
        assert self.options is not None
        options = self.options
        self._ready = True
        self.session_id, self._token = event.session_id, event.resume_token
        ready = messages.Ready(
            session_id=event.session_id,
            resume_token=event.resume_token,
            resume_grace_s=self.config.resume.grace_s,
            protocol=PROTOCOL_VERSION,
            sample_rate=options.sample_rate,
            encoding=options.encoding,
            channels=options.channels,
            language=options.language,
            task=options.task,
            asr_model=event.asr_model,
            max_message_bytes=self.config.server.max_message_bytes,
        )
        start = messages.SessionStart(dataclasses.asdict(options)).wire()
        return [*self._events((ready.wire(),)), Publish(messages.stamp(start, 0.0))]

    def replay_after(self, last_final_id: int) -> tuple[list[Wire], bool]:
        """The finals kept after ``last_final_id``, and whether they are all of them."""
        finals = [final for final in self.replay_log if final["id"] > last_final_id]
        oldest = self.replay_log[0]["id"] if self.replay_log else self.finals + 1
        return finals, last_final_id + 1 >= oldest or last_final_id >= self.finals

    def _resumed(self, event: Resumed) -> list[Output]:
        self.state, self.attached = State.STREAMING, True
        finals, complete = self.replay_after(event.last_final_id)
        resumed = messages.Resumed(self.session_id, self.finals, len(finals)).wire()
        outputs: list[Output] = [
            CancelTimer("grace"),
            SetTimer("idle", self.config.limits.idle_timeout_s),
            Send(self._stamp(resumed)),
            *(Send(final) for final in finals),  # as first sent (stamped then), revised since
        ]
        if not complete:
            kept = self.config.resume.replay_finals
            text = (
                f"finals after {event.last_final_id} are no longer all kept "
                f"(the last {kept} are); some are missing"
            )
            outputs.append(self._error("replay_incomplete", text, False))
        if event.roster is not None:
            outputs += self._events((event.roster,))
        return outputs

    # -- helpers ---------------------------------------------------------------------------------

    def _parse(self, text: str, started: bool) -> object:
        limit = self.config.server.max_text_bytes
        if len(text) > limit or len(text.encode(errors="surrogatepass")) > limit:
            size = len(text.encode(errors="surrogatepass"))
            raise ProtocolError(
                "message_too_large",
                f"text message of {size} bytes exceeds {limit}; messages are small JSON objects",
                True,
                CLOSE_TOO_BIG,
            )
        self._spend_text(len(text))
        return self.parser(text, self.config, started)

    def _spend_text(self, size: int) -> None:
        """Text frames are parsed on the event loop that serves everyone: a client's text bytes are
        bounded by a token bucket (``limits.text_bytes_per_s``, burst ``limits.text_burst_bytes``); a
        client beyond it is closed (a flood of largest-allowed frames slowed every other session)."""
        limits = self.config.limits
        if not self._text.take(size, self.now):
            raise ProtocolError(
                "rate_limited",
                f"text messages faster than {limits.text_bytes_per_s} bytes per second "
                f"(burst {limits.text_burst_bytes}); control messages are few and small",
                True,
                CLOSE_POLICY,
            )

    def _allow_rename(self) -> bool:
        return self._renames.take(1.0, self.now)

    def _stamp(self, message: Wire) -> Wire:
        if self.options is None:
            return messages.stamp(message, 0.0)
        self._acked = self.samples
        return messages.stamp(message, self._lag, self.samples)

    def _error(self, code: str, text: str, fatal: bool) -> Send:
        return Send(self._stamp(messages.error_event(code, text, fatal)))

    def _fatal_send(self, error: ProtocolError) -> list[Output]:
        return [self._error(error.code, error.message, True), Close(error.close_code, error.message[:120])]

    def _fatal(self, error: ProtocolError) -> list[Output]:
        return [*self._fatal_send(error), *self._finish_now("error")]

    def _finish_now(self, reason: str) -> list[Output]:
        self.state, self.attached = State.DONE, False
        return [Ended(reason)]

    def _flush(self, reason: EndReason, attached: bool | None = None) -> list[Output]:
        self._end = reason
        self.state = State.FINISHING
        if attached is False:
            self.attached = False
        return [CancelTimer("idle"), CancelTimer("wall"), CancelTimer("grace"), RunFlush(reason)]

    def _step(self, event: StepDone) -> list[Output]:
        self._lag = event.lag
        if event.failed:
            outputs: list[Output] = []
            if self.attached:
                outputs += [
                    self._error("internal", "internal server error; the session has ended", True),
                    Close(CLOSE_INTERNAL, "internal error"),
                ]
            return outputs + self._cut("error")
        outputs = self._events(event.events, event.finalized)
        if event.finalized and self.attached:
            finals = sum(e.get("type") == "final" for e in event.events)
            outputs.append(Send(self._stamp(messages.Finalized(finals).wire()), from_finalize=True))
        return outputs

    def _cut(self, reason: str) -> list[Output]:
        """Ended without a flush: published (a session that began), then DONE."""
        outputs: list[Output] = []
        if self.options is not None:
            outputs.append(Publish(messages.stamp(messages.SessionStop(reason, self.finals).wire(), 0.0)))
        return outputs + self._finish_now(reason)

    def _events(self, events: tuple[Wire, ...], finalized: bool = False) -> list[Output]:
        outputs: list[Output] = []
        for event in events:
            message = self._stamp(event)
            if event.get("type") == "final":
                self.finals += 1
                self.replay_log.append(message)
            elif event.get("type") == "speaker_update":
                for index, final in enumerate(self.replay_log):  # a resume replays the revised final
                    if final["id"] == message.get("id"):
                        self.replay_log[index] = apply_speaker_update(final, message)
            if event.get("type") in PUBLISHED:
                outputs.append(Publish(message))
            if self.attached:
                outputs.append(Send(message, from_finalize=finalized))
        return outputs

    def _conclude(self, events: tuple[Wire, ...], duration: float | None = None) -> list[Output]:
        """The flush is done: last finals, the limit's error, `done`, the close; then DONE."""
        reason = self._end or "stop"
        outputs = self._events(events)
        limits = self.config.limits
        code, close_reason = CLOSE_NORMAL, "done"
        closing: list[Wire] = []
        if reason == "too_long":
            text = f"the session reached its limit of {limits.max_session_s:.0f} s of audio"
            closing.append(messages.error_event("session_too_long", text, True))
        elif reason == "wall_limit":
            text = f"the session reached its limit of {limits.max_session_wall_s:.0f} s of wall-clock time"
            closing.append(messages.error_event("session_too_long", text, True))
        elif reason == "idle":
            idle = limits.idle_timeout_s
            text = f'no audio and no message for {idle:.0f} s; send audio or {{"type": "keepalive"}}'
            closing.append(messages.error_event("idle_timeout", text, True))
            code, close_reason = CLOSE_POLICY, "idle timeout"
        elif reason == "shutdown":
            code, close_reason = CLOSE_GOING_AWAY, "server shutting down"
        if self._bad_audio is not None:
            closing.append(messages.error_event("bad_audio", self._bad_audio, True))
            code, close_reason = CLOSE_INVALID_DATA, self._bad_audio[:120]
        if reason != "idle":
            done_reason = {"stop": None, "wall_limit": "too_long"}.get(reason, reason)
            assert self.options is not None
            if duration is None:
                duration = self.samples / self.options.sample_rate
            closing.append(messages.Done(self.finals, round(duration, 3), done_reason).wire())
        if self.attached:
            outputs += [Send(self._stamp(message)) for message in closing]
            outputs.append(Close(code, close_reason))
        return outputs + self._cut(ENDED_AS.get(reason, reason))
