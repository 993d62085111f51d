"""Parley's configuration: one typed tree, loaded once from YAML and passed down.

``configs/default.yaml`` mirrors these dataclasses key for key. Every threshold says its unit.
Nothing else in Parley reads the environment: the few environment overrides are applied here,
in :func:`load_config`.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from parley import configs as configs_package

DEFAULT_CONFIG = Path(configs_package.__file__).resolve().parent / "default.yaml"


@dataclass
class ModelsConfig:
    """Which models to load, and where the offline bundle lives.

    A model reference is either ``bundle:<name>`` (a model of the offline bundle that
    ``parley models fetch`` provisions) or what the underlying library accepts: a faster-whisper
    model name or directory for ``asr``, a pyannote-loadable hub id or checkpoint path for
    ``segmentation`` and ``embedding`` (hub ids need a network and, for gated models, ``hf_token``).
    """

    cache_dir: str | None = None  # None: $PARLEY_MODELS, else $XDG_CACHE_HOME/parley/models
    asr: str = "bundle:whisper-tiny.en"  # used for English transcription
    asr_multilingual: str = "bundle:whisper-base"  # other languages, language detection, translation
    segmentation: str = "bundle:segmentation-3.0"
    embedding: str = "bundle:campplus"
    hf_token: str | None = None
    device: str = "cpu"  # "cpu", "cuda" or "auto"
    compute_type: str = "int8"  # CTranslate2 compute type for Whisper on CPU
    cpu_threads: int = 2  # CTranslate2 (Whisper) threads per decode
    torch_threads: int = 1  # torch threads (segmentation, embeddings); more collide with Whisper's pool


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    max_sessions: int = 4  # one more is refused with close code 1013
    max_message_bytes: int = 1 << 20  # a larger WebSocket frame is refused (close 1009)
    inference_workers: int = 2  # model calls running at once, for all sessions (scheduler slots)
    # a model call waiting this long is served before newer ones whatever its priority (aging, s)
    scheduler_max_wait_s: float = 2.0
    max_start_wait_s: float = 10.0  # a client must send `start` (or `resume`) within this time
    certfile: str | None = None  # TLS certificate chain (PEM): serve wss:// and https://
    keyfile: str | None = None  # its private key (PEM); null: the key is in certfile
    log_level: str = "info"  # debug, info, warning, error
    shutdown_deadline_s: float = 30.0  # SIGTERM: live sessions get this long to flush, then the process exits
    # -- what one client may hold before its session starts (issue 14) --
    max_handshakes: int = 64  # TCP connections whose HTTP/WebSocket handshake is not done; beyond it closed
    # of those, from one client address: one client cannot take every handshake slot (a handshake
    # takes milliseconds, so even many users behind one NAT address rarely hold more than a few)
    max_handshakes_per_client: int = 16
    handshake_timeout_s: float = (
        5.0  # a connection must complete its handshake within this time, or is closed
    )
    max_pending: int = 16  # connections waiting to send `start`/`resume` (not counted in max_sessions)
    max_pending_per_client: int = 4  # of those, from one client address; beyond it refused with 1013
    max_text_bytes: int = 65536  # a larger text (JSON) frame: error message_too_large, close 1009
    receive_queue_frames: int = 4  # frames read ahead of the session (bounds input memory: this x frame size)
    compression: bool = False  # permessage-deflate; off: a message's size in memory is its size on the wire
    # Origins (scheme://host[:port]) whose web pages may open a WebSocket; [] : only pages served by this
    # server (and clients that send no Origin, e.g. the CLI); ["*"]: any origin
    allowed_origins: list[str] = field(default_factory=list)


@dataclass
class LimitsConfig:
    """What one session may take; each limit ends the session with an ``error`` saying which."""

    max_session_s: float = 14400.0  # audio per session (sample clock); then finals, error, done, close
    idle_timeout_s: float = 60.0  # no audio and no message (e.g. `keepalive`) this long: error, close
    send_queue_messages: int = 512  # messages waiting for a slow reader; beyond it the client is closed
    send_queue_bytes: int = (
        4 << 20
    )  # bytes (JSON text) waiting for a slow reader; beyond it the client is closed
    max_session_wall_s: float = 21600.0  # wall-clock time per session, audio or not; then as max_session_s
    renames_per_s: float = 2.0  # `rename` messages per second (token bucket); beyond it error rate_limited
    rename_burst: int = 10  # renames allowed at once before renames_per_s applies
    # bytes of text (JSON) frames one connection may send per second, with this burst; beyond it the
    # connection is closed (1008): a flood of 64 KiB frames (9.8 GB in 224 s, `parley bench --hostile`)
    # slowed every session, parsed on the shared event loop. A real client sends a few small messages.
    text_bytes_per_s: int = 16384
    text_burst_bytes: int = 262144


@dataclass
class ResumeConfig:
    """Keeping a session whose socket dropped, so that the client can resume it."""

    grace_s: float = 60.0  # a dropped session is kept this long for a `resume`, then ended
    replay_finals: int = 2000  # finals kept for replay after a resume (the oldest are dropped)
    max_detached: int = 16  # dropped sessions kept at once; beyond it the oldest of the client holding most
    max_detached_per_client: int = 4  # dropped sessions kept per client address; beyond it its own oldest
    ack_interval_s: float = 1.0  # an `ack` message at least every this many seconds of audio


@dataclass
class AuthConfig:
    """Bearer tokens for the WebSocket (none configured: no auth). Page, health and metrics stay open."""

    tokens: list[str] = field(default_factory=list)  # also $PARLEY_AUTH_TOKENS (comma-separated)
    token_file: str | None = None  # one token per line (# comments); also $PARLEY_AUTH_TOKEN_FILE


@dataclass
class AudioConfig:
    max_lag_s: float = 30.0  # audio waiting to be processed beyond which the server stops reading the socket


@dataclass
class VadConfig:
    aggressiveness: int = 2  # webrtcvad 0 (permissive) .. 3 (strict)
    frame_ms: int = 30  # webrtcvad frame: 10, 20 or 30 ms
    onset_ms: int = 120  # voiced audio within the onset window that opens an utterance
    onset_window_ms: int = 240
    hangover_ms: int = 350  # unvoiced audio that closes an utterance
    preroll_ms: int = 240  # audio kept before the detected onset
    min_utterance_ms: int = 250  # shorter utterances are dropped as clicks
    max_utterance_s: float = 10.0  # an utterance is cut before this length ...
    cut_search_s: float = 2.5  # ... at the quietest point of its last cut_search_s seconds


@dataclass
class AsrConfig:
    language: str | None = "en"  # default when `start` does not say; None: detect
    beam_size: int = 5  # for finals of closed utterances
    # for partials (whose agreed words become finals in long speech). 5, not 2: over 8 perturbations of
    # the sample (start offsets 0-30 ms x gains 1, 0.8) WER spread 0.148-0.198 against 0.160-0.247
    # with 2, at the same ASR time (19 s per 30 s of audio both: the 30 s encoder pass dominates).
    # Greedy (1) with sized partials, re-measured 2026-12-01 (in process): the sample 0.235 against
    # 0.148, dev-overlap 0.061 against 0.049, and no faster (sample ASR 20.0 s against 18.3 s)
    partial_beam_size: int = 5
    partial_interval_s: float = 0.7  # audio between two partial hypotheses of one utterance
    partial_min_s: float = 0.6  # no partial for an utterance shorter than this
    # Words two consecutive partials agree on are committed as finals while the utterance goes on:
    commit_min_s: float = 2.0  # ... once the open utterance is this long, at a sentence end ...
    commit_force_s: float = 4.5  # ... or at any agreed word boundary once it is this long ...
    commit_tail_s: float = 0.6  # ... keeping at least this much audio after the committed words
    # Whisper's failure guards, applied per segment:
    no_speech_threshold: float = 0.6  # drop when no_speech_prob above this ...
    logprob_threshold: float = -1.0  # ... and avg_logprob below this
    compression_ratio_threshold: float = 2.4  # drop repetitive gibberish
    min_speech_rms: float = 0.004  # utterances quieter than this (float RMS) are not transcribed
    context_chars: int = 0  # the end of the previous captions, given to Whisper as a prompt (0: none)
    # null: partials (and the commits they drive) follow the audio alone, so the same audio gives the
    # same captions however it is paced; a number: skip partials while this far behind (saves CPU)
    skip_partials_behind_s: float | None = None
    # Whisper's encoder input (server/engine.py SizedWhisperModel): Whisper pads every utterance to
    # 30 s (as it was trained); sized, the encoder sees the utterance plus encoder_margin_s, at least
    # encoder_min_s, rounded up to a multiple of encoder_bucket_s (few distinct shapes), capped at 30 s.
    # sized_encoder: which decodes get the sized input: "never", "partials" or "always" (finals too).
    # "partials", measured 2026-12-01 (in process, same run and machine, AMD EPYC): dev split WER per
    # clip never/partials/always: backchannel 0.110/0.110/0.137, overlap 0.049/0.049/0.055,
    # returning 0.065/0.063/0.060, short-turns 0.202/0.202/0.143; the sample 0.185/0.148/0.160, its ASR
    # time 41.0/18.3/17.9 s: partials cost most (a growing utterance re-decoded every 0.7 s), and
    # sizing them keeps or improves every clip, while sized finals lose words on two of four.
    sized_encoder: Literal["never", "partials", "always"] = "partials"
    encoder_margin_s: float = 2.0
    encoder_bucket_s: float = 5.0
    encoder_min_s: float = 20.0
    # Partials decode only what follows the words the last two partials agreed on (given to Whisper
    # as a forced prefix) instead of the whole utterance again
    partial_prefix: bool = False
    # Overload (server/scheduler.py): a partial that gets no inference slot within this many seconds
    # is skipped (finals never are); null: partials always wait. A partial that waited longer than
    # the interval between two partials is stale before it starts.
    partial_shed_after_s: float | None = 1.0
    # One language per session (server/language.py), where the session detects (language null):
    # Whisper's language probabilities of each utterance, weighted by its seconds, are pooled; the
    # top language is provisional until this many seconds of speech, then decided and kept.
    language_detect_s: float = 6.0
    # ... and switched only when consecutive utterances of at least language_min_utterance_s (s)
    # each give one other language at least language_switch_probability (0..1), for
    # language_switch_s seconds of speech in all (s); null: never switch, no detection once decided
    language_switch_s: float | None = 12.0
    language_switch_probability: float = 0.9
    language_min_utterance_s: float = 1.5
    # Key terms (start.keyterms, Deepgram's keyterm): given to Whisper as hotwords (a prompt of the
    # decoder); more than max_keyterms terms, or a term longer than max_keyterm_chars characters,
    # is refused. Whisper keeps at most 223 prompt tokens: the defaults stay within them.
    max_keyterms: int = 20
    max_keyterm_chars: int = 40


@dataclass
class SpeakersConfig:
    window_s: float = 8.0  # segmentation window: the audio context each analysis sees
    step_s: float = 3.0  # a window ends every step_s seconds of stream (speaker latency vs compute)
    min_embedding_s: float = 0.5  # clean (non-overlapped) speech needed to embed a local speaker
    new_speaker_min_s: float = 1.2  # clean speech needed before a *new* speaker is created
    match_threshold: float = 0.55  # cosine similarity to a centroid that joins that speaker
    new_speaker_threshold: float = 0.40  # below this similarity to every centroid: a new speaker
    update_min_s: float = 1.0  # clean speech needed for an embedding to move its centroid
    max_speakers: int = 8  # cap: beyond it, the nearest speaker is used
    # Revisions (server/speakers.py, "Re-clustering"): after every committed window, the window
    # embeddings of the last recluster_history_s seconds are clustered again as a whole (average
    # linkage, cosine); where that disagrees with what was decided online, the labels of the last
    # revision_horizon_s seconds are corrected and the session sends `speaker_update` for its finals.
    recluster: bool = True
    # Average cosine similarity above which two groups of embeddings are one voice (0..1). Measured
    # with speaker-only runs (timeline DER, 2026-12-01): dev split DER 0.018 at 0.5, 0.55 and 0.6, the
    # right count on 2, 3, 3 of 4 clips; the sample at start offsets 0/10/20/30 ms: 0.5 merges its two
    # phone voices at +20 ms (DER 0.345; their windows meet at 0.5-0.7), 0.55 and 0.6 give max DER
    # 0.070 (3 speakers at +30 ms); 0.4 merges them everywhere (0.44). Online only: sample max 0.256.
    # Cannot-link constraints (two voices of one window never merge) were tried and dropped: a first
    # window that pools both voices then stays a third speaker (sample 3 of 4 runs with 3 speakers).
    recluster_threshold: float = 0.55
    recluster_history_s: float = 300.0  # seconds of stream whose embeddings are re-clustered
    # Speech (each frame counted once) of a voice that re-clustering sets apart from all others and
    # that two windows saw alike, to found a speaker (revising the labels it had). Dev split at
    # threshold 0.5: 0.6 s finds the right count on 2 of 4 clips, 0.8 s on 1 (guests of 0.8 s there).
    onboard_min_s: float = 0.6
    revision_horizon_s: float = 30.0  # labels (and finals) older than this are never revised
    max_revisions_per_final: int = 2  # a final changes speaker at most this often (no flip-flop)


@dataclass
class MqttConfig:
    """Publishing captions to an MQTT broker (off while ``url`` is null).

    Topics, under ``topic_prefix``: ``sessions/<name>/events`` (session start/stop),
    ``sessions/<name>/captions`` (finals), ``sessions/<name>/speakers`` (roster),
    ``sessions/<name>/partials`` (only with ``partials: true``). See docs/mqtt.md.
    """

    url: str | None = None  # mqtt://host[:1883] or mqtts://host[:8883]; null: no publishing
    client_id: str | None = None  # null: parley-<random>
    username: str | None = None
    password: str | None = None
    tls_ca: str | None = None  # CA bundle for mqtts:// (default: the system's)
    qos: int = 1  # 0, 1 or 2
    topic_prefix: str = "parley"
    retain: str = "roster"  # "none", "roster" (retain speakers and session events) or "all"
    partials: bool = False  # also publish partials
    queue_size: int = 10000  # messages held while the broker is away; beyond it the oldest are dropped
    session_queue_share: float = (
        0.25  # fraction of queue_size one session may hold; beyond it its own oldest go
    )
    reconnect_min_s: float = 0.5  # first reconnect delay, doubled up to reconnect_max_s
    reconnect_max_s: float = 10.0


@dataclass
class FilesConfig:
    """Recordings posted to ``POST /v1/listen`` (docs/protocol.md): transcribed as whole files on
    worker threads of their own, never on the live sessions' inference workers.

    Memory held by uploads, in bytes: every admitted upload's body, (max_concurrent + max_queued) x
    max_upload_bytes (not copied), plus per file being transcribed (max_concurrent) its decoded
    audio once, 64 kB per second of max_duration_s (one buffer, no second copy: a 30 min FLAC of
    3 KB grew peak RSS by 120 MiB for 109 MiB of audio, 229 MiB before), Whisper's working memory
    for one asr_window_s window (300 s: +248 MiB measured for faster-whisper's feature extraction;
    all of a 30 min file at once took +1486 MiB), and the diarization's over the whole file (not
    windowed; its memory for long files is not measured). Decode + windowed Whisper over a 30 min
    file, end to end: +438 MiB peak RSS. With the defaults: 3 x 100 MiB of bodies + ~440 MiB + the
    diarization of 30 min. max_duration_s was 2 h (460 MB of audio alone, and a diarization whose
    clustering grows with the square of the speech windows): lowered to 30 min, the length the
    decode and Whisper bounds were measured at, until the diarization is windowed or measured."""

    max_concurrent: int = 1  # files transcribed at once (their own threads); 0: POST /v1/listen is off (503)
    max_queued: int = 2  # more uploads being received or waiting for a worker; beyond: 503 + Retry-After
    max_upload_bytes: int = 100 * 1024 * 1024  # a larger body: 413, refused before it is read
    max_duration_s: float = 1800.0  # longer audio: 413 (decoding stops there); 30 min is 115 MB as float32
    read_timeout_s: float = 30.0  # no body bytes for this long: 408 and the connection is closed
    # the whole body within this long (s) of the request head, else 408: a place is held at most so
    # long by a slow client (the largest body, max_upload_bytes, needs 117 kB/s to make it)
    body_timeout_s: float = 900.0
    # bytes/s on average since the head, checked from read_timeout_s after it on; slower: 408
    min_body_bytes_per_s: int = 16384
    max_per_client: int = 2  # uploads admitted at once per client address (IP); beyond: 429 + Retry-After
    asr_window_s: float = 300.0  # Whisper is given the file in windows of this many s (cut at a pause)
    retry_after_s: int = 30  # the Retry-After of a 503 when the file workers are busy


@dataclass
class Config:
    models: ModelsConfig = field(default_factory=ModelsConfig)
    server: ServerConfig = field(default_factory=ServerConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    vad: VadConfig = field(default_factory=VadConfig)
    asr: AsrConfig = field(default_factory=AsrConfig)
    speakers: SpeakersConfig = field(default_factory=SpeakersConfig)
    mqtt: MqttConfig = field(default_factory=MqttConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    resume: ResumeConfig = field(default_factory=ResumeConfig)
    auth: AuthConfig = field(default_factory=AuthConfig)
    files: FilesConfig = field(default_factory=FilesConfig)

    def models_dir(self) -> Path:
        """The offline model cache."""
        return Path(self.models.cache_dir).expanduser()


class ConfigError(ValueError):
    """A configuration file or override that does not fit the schema."""


def _coerce(value: Any, hint: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        return _build(hint, value, where)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, where)
            except ConfigError:
                continue
        raise ConfigError(f"{where}: {value!r} is not a {hint}")
    if origin is typing.Literal:
        choices = typing.get_args(hint)
        if value not in choices:
            raise ConfigError(f"{where}: {value!r} is not one of {', '.join(map(repr, choices))}")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true/false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    if origin is list:
        (item,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        return [_coerce(entry, item, f"{where}[{i}]") for i, entry in enumerate(value)]
    return value


def _build(cls: Any, data: dict[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"{where or 'config'}: unknown key(s) {sorted(unknown)}; known: {sorted(known)}")
    kwargs = {
        name: _coerce(value, hints[name], f"{where}.{name}" if where else name)
        for name, value in data.items()
    }
    return cls(**kwargs)


def load_config(path: str | Path | None = None, env: dict[str, str] | None = None) -> Config:
    """Load a YAML file (default: the bundled ``default.yaml``) into a :class:`Config`.

    Environment overrides: ``PARLEY_MODELS`` (model cache), ``PARLEY_HF_TOKEN`` / ``HF_TOKEN``,
    ``PARLEY_MQTT_URL``, ``PARLEY_MQTT_USERNAME``, ``PARLEY_MQTT_PASSWORD``, ``PARLEY_AUTH_TOKENS``
    (comma-separated, added to ``auth.tokens``), ``PARLEY_AUTH_TOKEN_FILE``, ``PARLEY_LOG_LEVEL``.
    """
    env = dict(os.environ) if env is None else env
    source = Path(path) if path else DEFAULT_CONFIG
    try:
        data = yaml.safe_load(source.read_text()) or {}
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {source}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping")
    config: Config = _build(Config, data, "")
    if env.get("PARLEY_MODELS"):
        config.models.cache_dir = env["PARLEY_MODELS"]
    if config.models.cache_dir is None:
        xdg = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME", "~")) / ".cache")
        config.models.cache_dir = str(Path(xdg) / "parley" / "models")
    for key, attribute in (
        ("PARLEY_MQTT_URL", "url"),
        ("PARLEY_MQTT_USERNAME", "username"),
        ("PARLEY_MQTT_PASSWORD", "password"),
    ):
        if env.get(key):
            setattr(config.mqtt, attribute, env[key])
    if env.get("PARLEY_AUTH_TOKENS"):
        config.auth.tokens += [t.strip() for t in env["PARLEY_AUTH_TOKENS"].split(",") if t.strip()]
    if env.get("PARLEY_AUTH_TOKEN_FILE"):
        config.auth.token_file = env["PARLEY_AUTH_TOKEN_FILE"]
    if env.get("PARLEY_LOG_LEVEL"):
        config.server.log_level = env["PARLEY_LOG_LEVEL"]
    token = env.get("PARLEY_HF_TOKEN") or env.get("HF_TOKEN")
    if token and not config.models.hf_token:
        config.models.hf_token = token
    return config
