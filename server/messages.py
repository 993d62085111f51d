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
    keyterms: tuple[str, ...] = ()  # names and jargon to expect (start.keyterms, Deepgram's keyterm)


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
class Language(ServerMessage):
    """The session's language (only where it detects: ``start.language`` null): sent when it is first
    known and whenever it changes; later finals carry it in ``language`` (server/language.py)."""

    TYPE: ClassVar[str] = "language"
    language: str
    # "provisional": less than asr.language_detect_s of speech heard so far; "detected": decided on
    # that much speech, and kept; "switched": sustained strong evidence of another language
    reason: str
    probability: float  # Whisper's pooled probability of it (0..1)
    speech_s: float  # seconds of speech the decision rests on


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


# -- POST /v1/listen: Deepgram's pre-recorded API shape (docs/protocol.md) -------------------------

FILE_FLAGS = ("diarize", "punctuate", "utterances", "smart_format", "detect_language")
FILE_ENCODINGS = {"linear16": "pcm_s16le", "pcm_s16le": "pcm_s16le", "pcm_f32le": "pcm_f32le"}
FILE_MAX_QUERY_FIELDS = 64  # more query parameters: 400
UTTERANCE_SPLIT_S = 0.8  # Deepgram's default utt_split: a pause this long starts a new utterance


class BadRequest(ValueError):
    """A query that cannot be served: 400 with this reason."""


@dataclass(frozen=True)
class FileOptions:
    """What a ``POST /v1/listen`` query asks for; anything else it says is listed in ``ignored``."""

    diarize: bool = False
    punctuate: bool = False
    utterances: bool = False
    utt_split: float = UTTERANCE_SPLIT_S
    language: str | None = "en"  # None: detect
    encoding: str | None = None  # raw PCM (pcm_s16le/pcm_f32le); None: a file in a container
    sample_rate: int | None = None
    channels: int = 1
    ignored: tuple[str, ...] = ()  # query parameters accepted but not acted on

    @classmethod
    def parse(cls, query: str, default_language: str | None) -> FileOptions:
        """Read a URL query (``diarize=true&language=en``...); raises :class:`BadRequest`."""
        from urllib.parse import parse_qsl

        from parley.server.protocol import WHISPER_LANGUAGES

        try:
            pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=FILE_MAX_QUERY_FIELDS)
        except ValueError:
            raise BadRequest(f"at most {FILE_MAX_QUERY_FIELDS} query parameters are accepted") from None
        values = dict(pairs)  # a repeated parameter: the last one counts
        flags = {name: _flag(name, values[name]) for name in FILE_FLAGS if name in values}
        language: str | None = default_language
        if "language" in values:
            language = values["language"].split("-")[0].lower()  # en-US -> en (Whisper has no regions)
            if language == "multi":
                language = None
            elif language not in WHISPER_LANGUAGES:
                raise BadRequest(
                    f"language must be a code Whisper knows, e.g. en or fr; got {shown(language)}"
                )
        if flags.get("detect_language"):
            language = None
        encoding = None
        if "encoding" in values:
            encoding = FILE_ENCODINGS.get(values["encoding"].lower())
            if encoding is None:
                raise BadRequest(
                    f"encoding {shown(values['encoding'])} is not supported: raw audio must be "
                    "linear16 (pcm_s16le) or pcm_f32le; send other audio as a file in its container"
                )
        return cls(
            diarize=flags.get("diarize", False),
            punctuate=flags.get("punctuate", False) or flags.get("smart_format", False),
            utterances=flags.get("utterances", False),
            utt_split=_number("utt_split", values, 0.0, 60.0, UTTERANCE_SPLIT_S),
            language=language,
            encoding=encoding,
            sample_rate=int(_number("sample_rate", values, 8000, 192000, 0)) or None,
            channels=int(_number("channels", values, 1, 2, 1)),
            ignored=tuple(
                sorted(
                    {name for name in values}
                    - {*FILE_FLAGS, "language", "encoding", "sample_rate"}
                    - {"channels", "utt_split", "token"}
                )
            ),
        )


def shown(value: object) -> str:
    from parley.server.protocol import shown as shown_value  # protocol imports this module

    return shown_value(value)


def _flag(name: str, value: str) -> bool:
    if value.lower() in ("true", "1", ""):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise BadRequest(f"{name} must be true or false, not {shown(value)}")


def _number(name: str, values: dict[str, str], low: float, high: float, default: float) -> float:
    if name not in values:
        return default
    try:
        number = float(values[name])
    except ValueError:
        number = float("nan")
    if not low <= number <= high:  # NaN fails too
        raise BadRequest(f"{name} must be a number from {low:g} to {high:g}, not {shown(values[name])}")
    return number


def _plain_word(text: str) -> str:
    """Deepgram's ``word``: lower case, no punctuation (apostrophes inside words kept)."""
    import re

    plain = re.sub(r"[^\w']+", "", text.lower()).strip("'")
    return plain or text


def listen_response(
    words: list[tuple[str, float, float, float, str | None]],
    options: FileOptions,
    *,
    request_id: str,
    sha256: str,
    created: str,
    duration: float,
    model: str,
    language: str,
) -> Wire:
    """The answer to ``POST /v1/listen``: Deepgram's pre-recorded response for ``words`` (text,
    start, end, confidence, speaker label). Speaker labels become 0, 1, ... in order of first word."""
    import uuid

    speaker_index: dict[str, int] = {}
    entries: list[Wire] = []
    for text, start, end, confidence, label in words:
        entry: Wire = {
            "word": _plain_word(text),
            "start": round(start, 3),
            "end": round(end, 3),
            "confidence": round(confidence, 4),
        }
        if options.punctuate:
            entry["punctuated_word"] = text
        if options.diarize and label is not None:
            entry["speaker"] = speaker_index.setdefault(label, len(speaker_index))
        entries.append(entry)

    def transcript(chosen: list[Wire]) -> str:
        return " ".join(str(w.get("punctuated_word", w["word"])) for w in chosen)

    def confidence(chosen: list[Wire]) -> float:
        return round(sum(w["confidence"] for w in chosen) / len(chosen), 4) if chosen else 0.0

    alternative: Wire = {
        "transcript": transcript(entries),
        "confidence": confidence(entries),
        "words": entries,
    }
    channel: Wire = {"alternatives": [alternative]}
    if options.language is None:
        channel["detected_language"] = language
    model_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"parley:{model}"))
    metadata: Wire = {
        "transaction_key": "deprecated",
        "request_id": request_id,
        "sha256": sha256,
        "created": created,
        "duration": round(duration, 3),
        "channels": 1,
        "models": [model_id],
        "model_info": {model_id: {"name": model, "version": "parley", "arch": "whisper"}},
    }
    if options.ignored:
        metadata["warnings"] = [
            {"parameter": name, "type": "unsupported", "message": f"{name} is not supported; it was ignored"}
            for name in options.ignored
        ]
    results: Wire = {"channels": [channel]}
    if options.utterances:
        results["utterances"] = [
            {
                "start": run[0]["start"],
                "end": run[-1]["end"],
                "confidence": confidence(run),
                "channel": 0,
                "transcript": transcript(run),
                "words": run,
                **({"speaker": run[0]["speaker"]} if "speaker" in run[0] else {}),
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{request_id}:{index}")),
            }
            for index, run in enumerate(_utterances(entries, options.utt_split))
        ]
    return {"metadata": metadata, "results": results}


def _utterances(words: list[Wire], split_s: float) -> list[list[Wire]]:
    """Runs of words of one speaker with no pause of ``split_s`` or more inside."""
    runs: list[list[Wire]] = []
    for word in words:
        if (
            runs
            and word.get("speaker") == runs[-1][-1].get("speaker")
            and (word["start"] - runs[-1][-1]["end"] < split_s)
        ):
            runs[-1].append(word)
        else:
            runs.append([word])
    return runs


def listen_error(status: int, code: str, message: str, request_id: str) -> Wire:
    """The JSON body of a ``POST /v1/listen`` error (Deepgram's ``err_code``/``err_msg`` shape)."""
    return {"err_code": code, "err_msg": message, "request_id": request_id}


# -- the builders by their old names (kept importable from their old modules) ------------------------


def error_event(code: str, message: str, fatal: bool) -> Wire:
    return Error(code, message, fatal).wire()


def roster(names: dict[str, str]) -> Wire:
    return Speakers(tuple(SpeakerEntry(k, v) for k, v in names.items())).wire()


__all__ = [
    "Ack",
    "BadRequest",
    "Done",
    "Error",
    "FileOptions",
    "Final",
    "FinalWord",
    "Finalized",
    "Language",
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
    "listen_error",
    "listen_response",
    "roster",
    "stamp",
]
