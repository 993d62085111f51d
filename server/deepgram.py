"""Deepgram's live protocol on ``/v1/listen``: an adapter onto Parley's one session core.

Nothing here touches a socket or runs a model. :func:`parse_query` maps the handshake's query string
(``encoding``, ``sample_rate``, ``interim_results``, ``diarize``, ...) onto the same
:class:`~parley.server.messages.SessionOptions` a ``start`` gives; :func:`parse_client` maps
Deepgram's client messages (``KeepAlive``, ``Finalize``, ``CloseStream``) onto the same typed
client messages (:class:`~parley.server.protocol.Keepalive`, :class:`~parley.server.protocol.
Finalize`, :class:`~parley.server.protocol.Stop`); :class:`DeepgramFront` turns each message the
session sends (``partial``, ``final``, ``speech_started``, ``finalized``, ``done``, ``error``, ...)
into the Deepgram messages it stands for (``Results``, ``SpeechStarted``, ``UtteranceEnd``,
``Metadata``, ``Error``), or none. Every Deepgram message is built in this module.

See docs/protocol.md, "Deepgram's live protocol", for what is supported, ignored and different.
"""

from __future__ import annotations

import json
import string
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import parse_qsl

from parley.config import Config
from parley.server.audio import MAX_RATE, MIN_RATE
from parley.server.messages import SessionOptions, Wire
from parley.server.protocol import (
    WHISPER_LANGUAGES,
    ClientMessage,
    Finalize,
    Keepalive,
    ProtocolError,
    Stop,
    shown,
    validate_keyterms,
)

PATH = "/v1/listen"
CHANNEL_INDEX = [0, 1]  # channel 0 of 1: Parley mixes its input to one channel
# Deepgram's `encoding` -> Parley's. Deepgram's live `opus` is Ogg Opus (as its `ogg-opus`)
ENCODINGS = {"linear16": "pcm_s16le", "opus": "ogg_opus", "ogg-opus": "ogg_opus", "ogg_opus": "ogg_opus"}
ENCODINGS_EXTRA = {"webm": "webm"}  # not a Deepgram value; MediaRecorder's WebM/Opus, accepted too
CONTAINER = "container"  # no `encoding`: containerized audio (WAV, Ogg, WebM, ...), as Deepgram does
BOOLEAN_PARAMS = (
    "interim_results",
    "diarize",
    "punctuate",
    "smart_format",
    "vad_events",
    "multichannel",
    "detect_language",
)
# accepted and ignored (documented): a client's usual query strings must not be refused
IGNORED_PARAMS = (
    "model",
    "version",
    "tier",
    "endpointing",
    "filler_words",
    "numerals",
    "profanity_filter",
    "redact",
    "search",
    "replace",
    "tag",
    "extra",
    "callback",
    "callback_method",
    "mip_opt_out",
    "dictation",
    "no_delay",
    "detect_entities",
    "alternatives",
)
MAX_QUERY_PARAMS = 200  # a longer query string is refused (websockets bounds its length in bytes)
WORD_EDGES = string.punctuation + "¿¡…“”‘’«»„"  # stripped from a word's ends for Deepgram's `word`


@dataclass(frozen=True)
class DeepgramOptions:
    """What the query string asked for, beyond the session's options."""

    interim_results: bool = False
    diarize: bool = False
    punctuate: bool = False
    vad_events: bool = False
    utterance_end_ms: int | None = None
    model: str = ""  # the client's `model`, echoed nowhere (reported in the log only)
    ignored: tuple[str, ...] = ()  # the names of the parameters accepted and ignored
    detect_language: bool = False  # language=multi or detect_language=true: Results say the language


def ignored_shown(names: tuple[str, ...], limit: int = 10) -> str:
    """The ignored parameters' names for the log: quoted and escaped (a ``%0A`` in a name cannot
    forge a log line), at most ``limit`` of them."""
    text = ", ".join(shown(name) for name in names[:limit])
    return text + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _bad(text: str) -> ProtocolError:
    """A refused query string: fatal, closed 1008 with ``text`` as the reason (<= 120 bytes)."""
    return ProtocolError("bad_query", text, fatal=True)


def _boolean(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1", ""):
        return True
    if lowered in ("false", "0"):
        return False
    raise _bad(f"{name} must be true or false (got {shown(value, 24)})")


def _integer(name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value) if len(value) <= 12 else None
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise _bad(f"{name} must be an integer from {low} to {high} (got {shown(value, 24)})")
    return number


def _language(value: str, default: str | None) -> str | None:
    """Deepgram's ``language`` (``en``, ``en-US``, ``multi``) -> a Whisper code, or None to detect."""
    lowered = value.strip().lower()
    if lowered in ("multi", "auto"):
        return None
    if not lowered:
        return default
    base = lowered.replace("_", "-").split("-")[0]
    if base not in WHISPER_LANGUAGES:
        raise _bad(f"language {shown(value, 24)} is not one Whisper knows; use e.g. en, en-US, fr or multi")
    return base


def _without_boost(keyword: str) -> str:
    """Deepgram's ``keywords=word:2`` -> ``word`` (Whisper's hotwords have no boost)."""
    term, _, boost = keyword.rpartition(":")
    try:
        float(boost)
    except ValueError:
        return keyword
    return term if term else keyword


def parse_query(query: str, config: Config) -> tuple[SessionOptions, DeepgramOptions]:
    """The session's options from the handshake's query string, or :class:`ProtocolError`."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_QUERY_PARAMS)
    except ValueError:  # more fields than max_num_fields
        raise _bad(f"the query string has more than {MAX_QUERY_PARAMS} parameters") from None
    params: dict[str, str] = {}
    for name, value in pairs:
        params.setdefault(name, value)  # the first of repeated names (but keyterm, keywords: all)
    # keyterm (Nova-3) and keywords (Nova-2, "word:boost"; the boost is ignored) are repeatable
    terms = [value for name, value in pairs if name == "keyterm"]
    terms += [_without_boost(value) for name, value in pairs if name == "keywords"]
    try:
        keyterms = validate_keyterms(terms, config)
    except ProtocolError as exc:  # the close reason: at most 123 bytes
        raise _bad(exc.message.encode()[:110].decode(errors="ignore")) from None
    flags = {name: _boolean(name, params[name]) for name in BOOLEAN_PARAMS if name in params}
    if flags.get("multichannel"):
        raise _bad("multichannel=true is not supported: Parley mixes channels to one; send one per socket")
    encoding_value = params.get("encoding")
    if encoding_value is None:
        encoding = CONTAINER
    else:
        encoding = {**ENCODINGS, **ENCODINGS_EXTRA}.get(encoding_value.strip().lower(), "")
        if not encoding:
            known = ", ".join(sorted({*ENCODINGS, *ENCODINGS_EXTRA}))
            raise _bad(f"encoding {shown(encoding_value, 20)} is not supported; use {known}, or none")
    channels = _integer("channels", params["channels"], 1, 2) if "channels" in params else 1
    if "sample_rate" in params:
        rate = _integer("sample_rate", params["sample_rate"], MIN_RATE, MAX_RATE)
    elif encoding == "pcm_s16le":
        raise _bad("sample_rate is required with encoding=linear16 (e.g. sample_rate=16000)")
    else:
        rate = 48000  # compressed audio says its own rate; this only scales the session's limits
    utterance_end = params.get("utterance_end_ms")
    end_ms = _integer("utterance_end_ms", utterance_end, 0, 60_000) if utterance_end is not None else None
    language = _language(params.get("language", ""), config.asr.language)
    if flags.get("detect_language"):
        language = None
    interim = flags.get("interim_results", False)
    options = SessionOptions(
        sample_rate=rate,
        encoding=encoding,
        channels=channels,
        language=language,
        partials=interim,
        endpoints=True,
        keyterms=keyterms,
    )
    known = {*BOOLEAN_PARAMS, "encoding", "sample_rate", "channels", "language", "utterance_end_ms", "token"}
    known |= {"keyterm", "keywords"}
    ignored = tuple(sorted(name[:32] for name in params if name not in known))
    deepgram = DeepgramOptions(
        interim_results=interim,
        diarize=flags.get("diarize", False),
        punctuate=flags.get("punctuate", False) or flags.get("smart_format", False),
        vad_events=flags.get("vad_events", False),
        utterance_end_ms=end_ms or None,
        detect_language=language is None,
        model=params.get("model", "")[:64],
        ignored=ignored,
    )
    return options, deepgram


def parse_client(text: str, config: Config, started: bool = True) -> ClientMessage:
    """One of Deepgram's client text messages -> Parley's typed client message."""
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError(
            "bad_json", "message is not valid JSON; send KeepAlive, Finalize or CloseStream"
        ) from None
    kind = message.get("type") if isinstance(message, dict) else None
    if kind == "KeepAlive":
        return Keepalive()
    if kind == "Finalize":
        return Finalize()
    if kind == "CloseStream":
        return Stop()
    raise ProtocolError(
        "bad_message", f"unknown message type {shown(kind)}; expected KeepAlive, Finalize or CloseStream"
    )


def _parley_version() -> str:
    try:
        return version("parley")
    except PackageNotFoundError:
        return "0"


def speaker_number(speaker: str | None) -> int | None:
    """Parley's ``S3`` -> Deepgram's ``2`` (speakers count from 0)."""
    if speaker is None or not speaker.startswith("S") or not speaker[1:].isdigit():
        return None
    return int(speaker[1:]) - 1


def bare_word(text: str) -> str:
    """Deepgram's ``word``: lower case, without the punctuation at its ends (``punctuated_word``
    keeps it)."""
    bare = text.strip().strip(WORD_EDGES).lower()
    return bare or text.strip().lower()


class DeepgramFront:
    """One ``/v1/listen`` connection's side of the adapter: our messages -> Deepgram's."""

    def __init__(self, options: DeepgramOptions, channels: int, model_name: str = "whisper") -> None:
        self.options = options
        self.channels = channels
        self.request_id = str(uuid.uuid4())
        self.model_name = model_name  # the session's ASR model, set once the session exists
        self.created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self.language: str | None = None  # the session's detected language (its `language` messages)

    @property
    def model_uuid(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"parley:{self.model_name}"))

    def model_info(self) -> Wire:
        return {"name": self.model_name, "version": _parley_version(), "arch": "whisper"}

    def render(self, message: Wire, from_finalize: bool = False) -> list[Wire]:
        """The Deepgram messages that ``message`` (as the session sends it) stands for."""
        kind = message.get("type")
        if kind == "language":  # Deepgram has no such message: later Results carry it
            self.language = message["language"]
            return []
        if kind == "final":
            if message.get("language"):
                self.language = message["language"]
            return self._final(message, from_finalize)
        if kind == "partial":
            return [self._interim(message)] if self.options.interim_results else []
        if kind == "speech_started":
            if not self.options.vad_events:
                return []
            return [{"type": "SpeechStarted", "channel": CHANNEL_INDEX, "timestamp": message["start"]}]
        if kind == "finalized":  # nothing was open: the client still gets its answer
            if message["finals"]:
                return []
            return [self.results(0.0, 0.0, "", [], True, True, True)]
        if kind == "done":
            return [self.metadata(message["duration"])]
        if kind == "error" and not message.get("fatal"):
            return [self.error(message["code"], message["message"])]
        # ready, ack, speakers, speaker_update (Deepgram has no revisions), fatal errors (the close
        # frame carries them): nothing
        return []

    def results(
        self,
        start: float,
        end: float,
        transcript: str,
        words: list[Wire],
        is_final: bool,
        speech_final: bool,
        from_finalize: bool,
    ) -> Wire:
        confidence = sum(w["confidence"] for w in words) / len(words) if words else 0.0
        alternative: Wire = {"transcript": transcript, "confidence": round(confidence, 4), "words": words}
        if self.options.detect_language and self.language is not None:
            alternative["languages"] = [self.language]  # as Deepgram's language=multi results
        return {
            "type": "Results",
            "channel_index": CHANNEL_INDEX,
            "duration": round(max(0.0, end - start), 3),
            "start": round(start, 3),
            "is_final": is_final,
            "speech_final": speech_final,
            "from_finalize": from_finalize,
            "channel": {"alternatives": [alternative]},
            "metadata": {
                "request_id": self.request_id,
                "model_info": self.model_info(),
                "model_uuid": self.model_uuid,
            },
        }

    def error(self, code: str, text: str) -> Wire:
        """A problem the session goes on after (a fatal one is the close frame's reason)."""
        return {"type": "Error", "description": text, "message": code, "variant": "parley"}

    def metadata(self, duration: float) -> Wire:
        return {
            "type": "Metadata",
            "transaction_key": "deprecated",
            "request_id": self.request_id,
            "sha256": "",
            "created": self.created,
            "duration": duration,
            "channels": self.channels,
            "models": [self.model_uuid],
            "model_info": {self.model_uuid: self.model_info()},
        }

    def _word(self, text: str, start: float, end: float, confidence: float, speaker: str | None) -> Wire:
        word: Wire = {
            "word": bare_word(text),
            "start": round(start, 3),
            "end": round(end, 3),
            "confidence": round(confidence, 4),
            "punctuated_word": text.strip(),
        }
        number = speaker_number(speaker)
        if self.options.diarize and number is not None:
            word["speaker"] = number
        if self.options.detect_language and self.language is not None:
            word["language"] = self.language
        return word

    def _transcript(self, words: list[Wire]) -> str:
        key = "punctuated_word" if self.options.punctuate else "word"
        return " ".join(w[key] for w in words)

    def _final(self, message: Wire, from_finalize: bool) -> list[Wire]:
        words = [
            self._word(w["word"], w["start"], w["end"], w["probability"], w["speaker"])
            for w in message["words"]
            if w["word"].strip()
        ]
        endpoint = bool(message.get("endpoint"))
        out = [
            self.results(
                message["start"],
                message["end"],
                self._transcript(words),
                words,
                True,
                endpoint,
                from_finalize,
            )
        ]
        if endpoint and self.options.utterance_end_ms is not None and words:
            out.append({"type": "UtteranceEnd", "channel": CHANNEL_INDEX, "last_word_end": words[-1]["end"]})
        return out

    def _interim(self, message: Wire) -> Wire:
        """A partial has no word times: its words share its span evenly (confidence 0: not final)."""
        texts = str(message["text"]).split()
        start, end = float(message["start"]), float(message["end"])
        step = (end - start) / len(texts) if texts else 0.0
        words = [
            self._word(text, start + i * step, start + (i + 1) * step, 0.0, message.get("speaker"))
            for i, text in enumerate(texts)
        ]
        return self.results(start, end, self._transcript(words), words, False, False, False)


def is_deepgram_path(path: str) -> bool:
    return path.split("?", 1)[0].rstrip("/") == PATH


def query_of(path: str) -> str:
    return path.split("?", 1)[1] if "?" in path else ""


__all__ = [
    "PATH",
    "DeepgramFront",
    "DeepgramOptions",
    "is_deepgram_path",
    "parse_client",
    "parse_query",
    "query_of",
]
