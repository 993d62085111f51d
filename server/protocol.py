"""The wire protocol, sans I/O: parse and validate client messages, build server messages.

See ``docs/protocol.md``. Nothing here touches a socket; the server turns a :class:`ProtocolError`
into an ``error`` message (and, when fatal, a close code).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from parley.config import Config
from parley.server.audio import ALL_ENCODINGS, MAX_RATE, MIN_RATE
from parley.server.messages import SessionOptions, error_event
from parley.server.mqtt import SessionNameError, is_printable, validate_session_name

PROTOCOL_VERSION = 1
TASKS = ("transcribe", "translate")
# faster_whisper.tokenizer._LANGUAGE_CODES, copied so that parsing imports no model code
# (tests/test_messages.py keeps the two equal)
WHISPER_LANGUAGES = frozenset(
    (
        "af",
        "am",
        "ar",
        "as",
        "az",
        "ba",
        "be",
        "bg",
        "bn",
        "bo",
        "br",
        "bs",
        "ca",
        "cs",
        "cy",
        "da",
        "de",
        "el",
        "en",
        "es",
        "et",
        "eu",
        "fa",
        "fi",
        "fo",
        "fr",
        "gl",
        "gu",
        "ha",
        "haw",
        "he",
        "hi",
        "hr",
        "ht",
        "hu",
        "hy",
        "id",
        "is",
        "it",
        "ja",
        "jw",
        "ka",
        "kk",
        "km",
        "kn",
        "ko",
        "la",
        "lb",
        "ln",
        "lo",
        "lt",
        "lv",
        "mg",
        "mi",
        "mk",
        "ml",
        "mn",
        "mr",
        "ms",
        "mt",
        "my",
        "ne",
        "nl",
        "nn",
        "no",
        "oc",
        "pa",
        "pl",
        "ps",
        "pt",
        "ro",
        "ru",
        "sa",
        "sd",
        "si",
        "sk",
        "sl",
        "sn",
        "so",
        "sq",
        "sr",
        "su",
        "sv",
        "sw",
        "ta",
        "te",
        "tg",
        "th",
        "tk",
        "tl",
        "tr",
        "tt",
        "uk",
        "ur",
        "uz",
        "vi",
        "yi",
        "yo",
        "zh",
        "yue",
    )
)

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_INVALID_DATA = 1007
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_INTERNAL = 1011
CLOSE_TRY_AGAIN = 1013
CLOSE_UNAUTHORISED = 4401


class ProtocolError(Exception):
    """A client mistake: ``code`` and a message that says what to do instead."""

    def __init__(self, code: str, message: str, fatal: bool = False, close_code: int = CLOSE_POLICY) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fatal = fatal
        self.close_code = close_code

    def event(self) -> dict[str, Any]:
        return error_event(self.code, self.message, self.fatal)


@dataclass
class Start:
    options: SessionOptions


@dataclass
class Stop:
    pass


@dataclass
class Rename:
    """Give session speaker ``speaker`` (e.g. ``S1``) a display name; later output carries it."""

    speaker: str
    name: str


@dataclass
class Resume:
    """Take over a session whose socket dropped (first message of the new connection)."""

    session_id: str
    token: str
    last_final_id: int  # the client has every final up to this id; the server replays the rest


@dataclass
class Keepalive:
    """No audio for a while, but the client is still there (resets the idle timeout)."""


@dataclass
class Finalize:
    """Flush now: close the open utterance and send its finals, then go on streaming (Deepgram's
    ``Finalize``; Parley's own protocol has no such message)."""


ClientMessage = Start | Stop | Rename | Resume | Keepalive | Finalize
MAX_SPEAKER_NAME = 64
MAX_ID_LENGTH = 128  # session ids and resume tokens are far shorter; longer ones are refused
MAX_SHOWN = 48  # characters of a client's value quoted back in an error message, at most


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """``repr(value)`` for an error message, cut to ``limit`` characters: errors never echo unbounded
    client input (a 1 MiB ``type`` would otherwise come back whole, once per frame)."""
    try:
        text = repr(value)
    except ValueError:  # e.g. an int too long to print
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else f"{text[: limit - 14]}... ({len(text)} chars)"


def parse_text(text: str, config: Config, started: bool = False) -> ClientMessage:
    """Parse one text frame into a client message, or raise :class:`ProtocolError`.

    ``started``: the session has begun, so ``start`` and ``resume`` are answered ``already_started``
    (not fatal, whatever they contain) instead of being validated.
    """
    try:
        message = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ProtocolError("bad_json", f"message is not valid JSON ({exc}); send a JSON object") from None
    except ValueError:  # e.g. an integer of more than 4300 digits
        raise ProtocolError("bad_json", "message has a number too long to read; send a JSON object") from None
    if not isinstance(message, dict):
        raise ProtocolError("bad_json", "message must be a JSON object with a 'type' field")
    kind = message.get("type")
    if started and kind in ("start", "resume"):
        raise ProtocolError("already_started", "this session has already started")
    if kind == "start":
        return Start(parse_start(message, config))
    if kind == "stop":
        return Stop()
    if kind == "rename":
        return parse_rename(message)
    if kind == "resume":
        return parse_resume(message)
    if kind == "keepalive":
        return Keepalive()
    raise ProtocolError(
        "bad_message",
        f"unknown message type {shown(kind)}; expected 'start', 'resume', 'stop', 'rename' or 'keepalive'",
    )


def parse_resume(message: dict[str, Any]) -> Resume:
    """Validate a ``resume``; every problem is fatal (there is no session to go on with)."""
    session_id, token = message.get("session_id"), message.get("token")
    if not all(isinstance(v, str) and 0 < len(v) <= MAX_ID_LENGTH for v in (session_id, token)):
        raise ProtocolError(
            "bad_message", "resume needs 'session_id' and 'token' from the session's 'ready'", fatal=True
        )
    last = message.get("last_final_id", 0)
    if isinstance(last, bool) or not isinstance(last, int) or last < 0:
        raise ProtocolError(
            "bad_message",
            f"last_final_id must be the id of the last final received, or 0 (got {shown(last)})",
            fatal=True,
        )
    return Resume(session_id, token, last)


def parse_rename(message: dict[str, Any]) -> Rename:
    speaker, name = message.get("speaker"), message.get("name")
    if not isinstance(speaker, str) or not speaker or len(speaker) > MAX_SPEAKER_NAME:
        raise ProtocolError("bad_message", "rename needs 'speaker', a speaker id such as 'S1'")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_SPEAKER_NAME:
        raise ProtocolError("bad_message", f"rename needs 'name', 1 to {MAX_SPEAKER_NAME} characters")
    if not is_printable(name):
        raise ProtocolError(
            "bad_message", "a speaker name cannot contain control, format or unassigned characters"
        )
    return Rename(speaker, name.strip())


def parse_start(message: dict[str, Any], config: Config) -> SessionOptions:
    """Validate a ``start`` message; every problem is fatal (the session cannot begin)."""

    def fail(code: str, text: str) -> ProtocolError:
        return ProtocolError(code, text, fatal=True)

    rate = message.get("sample_rate")
    if isinstance(rate, bool) or not isinstance(rate, int) or not MIN_RATE <= rate <= MAX_RATE:
        raise fail(
            "unsupported_sample_rate",
            f"sample_rate must be an integer from {MIN_RATE} to {MAX_RATE} Hz (got {shown(rate)}); "
            "16000 is native",
        )
    encoding = message.get("encoding", "pcm_s16le")
    if not isinstance(encoding, str) or encoding not in ALL_ENCODINGS:
        raise fail(
            "unsupported_encoding",
            f"encoding {shown(encoding)} is not supported; use one of {sorted(ALL_ENCODINGS)}",
        )
    channels = message.get("channels", 1)
    if isinstance(channels, bool) or not isinstance(channels, int) or channels not in (1, 2):
        raise fail("bad_message", f"channels must be 1 or 2 (got {shown(channels)})")
    language = message.get("language", config.asr.language)
    if language is not None and (not isinstance(language, str) or language not in WHISPER_LANGUAGES):
        raise fail(
            "bad_message",
            "language must be a code Whisper knows, e.g. 'en' or 'fr', or null to detect; "
            f"got {shown(language)}",
        )
    task = message.get("task", "transcribe")
    if not isinstance(task, str) or task not in TASKS:
        raise fail("bad_message", f"task must be one of {list(TASKS)} (got {shown(task)})")
    partials = message.get("partials", True)
    if not isinstance(partials, bool):
        raise fail("bad_message", f"partials must be true or false (got {shown(partials)})")
    max_speakers = _speaker_count(message, "max_speakers", config.speakers.max_speakers, fail)
    expected = _speaker_count(message, "speakers", max_speakers or config.speakers.max_speakers, fail)
    name = message.get("session")
    if name is not None:
        try:
            validate_session_name(name)
        except SessionNameError as exc:
            raise fail("bad_message", f"invalid session name: {exc}") from None
    keyterms = validate_keyterms(message.get("keyterms", []), config)
    return SessionOptions(
        sample_rate=rate,
        encoding=encoding,
        channels=channels,
        language=language,
        task=task,
        partials=partials,
        name=name,
        max_speakers=expected or max_speakers,
        keyterms=keyterms,
    )


def validate_keyterms(value: object, config: Config) -> tuple[str, ...]:
    """``start.keyterms`` (or Deepgram's ``keyterm`` values): a list of at most ``asr.max_keyterms``
    printable strings of 1 to ``asr.max_keyterm_chars`` characters (stripped); duplicates dropped.
    Raises a fatal :class:`ProtocolError` ``bad_keyterms`` saying which bound was passed."""
    asr = config.asr

    def fail(text: str) -> ProtocolError:
        return ProtocolError("bad_keyterms", text, fatal=True)

    if not isinstance(value, list):
        raise fail(f"keyterms must be a list of strings (got {shown(value)})")
    if len(value) > asr.max_keyterms:
        raise fail(f"at most {asr.max_keyterms} keyterms are accepted (got {len(value)})")
    terms: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise fail(f"each keyterm must be a non-empty string (got {shown(item)})")
        term = " ".join(item.split())
        if len(term) > asr.max_keyterm_chars:
            raise fail(f"a keyterm has at most {asr.max_keyterm_chars} characters (got {shown(term)})")
        if not is_printable(term):
            raise fail("a keyterm cannot contain control, format or unassigned characters")
        if term not in terms:
            terms.append(term)
    return tuple(terms)


def _speaker_count(message: dict[str, Any], key: str, limit: int, fail: Any) -> int | None:
    """An optional speaker count of ``start``: an integer from 1 to ``limit``, or absent/null."""
    value = message.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        shown = repr(value) if isinstance(value, (bool, int)) and abs(value) < 10**6 else "that value"
        raise fail("bad_message", f"{key} must be an integer from 1 to {limit} (got {shown})")
    return value
