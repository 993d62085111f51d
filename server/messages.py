"""Every message the server sends, as typed objects, built in one module (see ``docs/protocol.md``).

Each class is one ``type`` on the wire; :meth:`ServerMessage.wire` gives the JSON object, and
:func:`stamp` adds ``lag`` (and ``ack``) in the one place where that happens. Nothing here imports
model code or touches a socket. The old builders stay importable where they were
(``parley.server.protocol.error_event``), re-exported from here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

Wire = dict[str, Any]


@dataclass
class SessionOptions:
    """What the client asked for in ``start`` (validated by the protocol layer)."""

    sample_rate: int = 16000
    encoding: str = "pcm_s16le"
    channels: int = 1
    language: str | None = "en"
    task: str = "transcribe"
    partials: bool = True
    name: str | None = None  # the client's name for the session (MQTT topics); None: the session id
    max_speakers: int | None = None  # at most this many speakers (start's max_speakers or speakers)
    # endpoints: mark each final with ``endpoint`` (it ends an utterance the VAD or a finalize closed)
    # and send ``speech_started``; set by the Deepgram front-end (server/deepgram.py), never by ``start``
    endpoints: bool = False


@dataclass(frozen=True)
class ServerMessage:
    """Base: a dataclass whose fields are the message's keys, in order, after ``type``."""

    TYPE: ClassVar[str] = ""
    OPTIONAL: ClassVar[tuple[str, ...]] = ()  # keys left out while None

    def wire(self) -> Wire:
        message: Wire = {"type": self.TYPE}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if value is None and item.name in self.OPTIONAL:
                continue
            message[item.name] = value
        return message


@dataclass(frozen=True)
class Error(ServerMessage):
    TYPE: ClassVar[str] = "error"
    code: str
    message: str
    fatal: bool


@dataclass(frozen=True)
class Ready(ServerMessage):
    TYPE: ClassVar[str] = "ready"
    session_id: str
    resume_token: str
    resume_grace_s: float
    protocol: int
    sample_rate: int
    encoding: str
    channels: int
    language: str | None
    task: str
    asr_model: str
    max_message_bytes: int


@dataclass(frozen=True)
class Resumed(ServerMessage):
    TYPE: ClassVar[str] = "resumed"
    session_id: str
    last_final_id: int
    replayed: int


@dataclass(frozen=True)
class Done(ServerMessage):
    TYPE: ClassVar[str] = "done"
    OPTIONAL: ClassVar[tuple[str, ...]] = ("reason",)
    finals: int
    duration: float
    reason: str | None = None  # absent after a client's `stop`


@dataclass(frozen=True)
class Ack(ServerMessage):
    TYPE: ClassVar[str] = "ack"


@dataclass(frozen=True)
class SpeakerEntry:
    id: str
    name: str


@dataclass(frozen=True)
class Speakers(ServerMessage):
    TYPE: ClassVar[str] = "speakers"
    speakers: tuple[SpeakerEntry, ...] = ()

    def wire(self) -> Wire:
        return {"type": self.TYPE, "speakers": [{"id": s.id, "name": s.name} for s in self.speakers]}


@dataclass(frozen=True)
class Partial(ServerMessage):
    TYPE: ClassVar[str] = "partial"
    utterance: int
    start: float
    end: float
    text: str
    stable: str
    unstable: str
    speaker: str | None


@dataclass(frozen=True)
class FinalWord:
    word: str
    start: float
    end: float
    speaker: str | None
    probability: float


@dataclass(frozen=True)
class Final(ServerMessage):
    TYPE: ClassVar[str] = "final"
    id: int
    utterance: int
    speaker: str | None
    speaker_name: str | None
    start: float
    end: float
    text: str
    language: str | None
    words: tuple[FinalWord, ...] = field(default_factory=tuple)
    # only where the session asked for endpoints (SessionOptions.endpoints): the last final of an
    # utterance that the VAD (or a finalize) closed; absent otherwise
    endpoint: bool | None = None
    OPTIONAL: ClassVar[tuple[str, ...]] = ("endpoint",)

    def wire(self) -> Wire:
        message = super().wire()
        message["words"] = [dataclasses.asdict(word) for word in self.words]
        return message


@dataclass(frozen=True)
class SpeechStarted(ServerMessage):
    """An utterance opened at ``start`` (seconds); only where the session asked for endpoints."""

    TYPE: ClassVar[str] = "speech_started"
    start: float


@dataclass(frozen=True)
class Finalized(ServerMessage):
    """A finalize (flush now, keep streaming) is done: ``finals`` of the finals before it came from it.
    Only a front-end that has a finalize message (Deepgram's ``Finalize``) ever gets one."""

    TYPE: ClassVar[str] = "finalized"
    finals: int


@dataclass(frozen=True)
class SpeakerUpdate(ServerMessage):
    """Later evidence changed who spoke in final ``id``: its new speaker and each word's (in order)."""

    TYPE: ClassVar[str] = "speaker_update"
    id: int
    speaker: str | None
    speaker_name: str | None
    words: tuple[str | None, ...]
    revision: int  # how often this final has been revised (<= speakers.max_revisions_per_final)

    def wire(self) -> Wire:
        message = super().wire()
        message["words"] = list(self.words)
        return message


@dataclass(frozen=True)
class SessionStart(ServerMessage):
    """On the bus only (``<prefix>/sessions/<name>/events``)."""

    TYPE: ClassVar[str] = "session_start"
    options: dict[str, Any]


@dataclass(frozen=True)
class SessionStop(ServerMessage):
    """On the bus only (``<prefix>/sessions/<name>/events``)."""

    TYPE: ClassVar[str] = "session_stop"
    reason: str
    finals: int


def stamp(message: Wire, lag: float, ack: int | None = None) -> Wire:
    """The message as sent: ``lag`` (seconds of audio not processed yet) and, once a session has
    audio, ``ack`` (samples received) added. The only place these two keys are set."""
    stamped = {**message, "lag": lag}
    if ack is not None:
        stamped["ack"] = ack
    return stamped


# -- the builders by their old names (kept importable from their old modules) ------------------------


def error_event(code: str, message: str, fatal: bool) -> Wire:
    return Error(code, message, fatal).wire()


def roster(names: dict[str, str]) -> Wire:
    return Speakers(tuple(SpeakerEntry(k, v) for k, v in names.items())).wire()


__all__ = [
    "Ack",
    "Done",
    "Error",
    "Final",
    "FinalWord",
    "Finalized",
    "Partial",
    "Ready",
    "Resumed",
    "ServerMessage",
    "SessionOptions",
    "SessionStart",
    "SessionStop",
    "SpeakerEntry",
    "Speakers",
    "SpeechStarted",
    "Wire",
    "error_event",
    "roster",
    "stamp",
]
