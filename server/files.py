"""Recordings as files: "pyannote, then Whisper" over the whole recording, then words to speakers.

This is the one implementation behind ``POST /v1/listen`` (:mod:`parley.server.rest`),
``parley transcribe`` and the offline baseline of ``parley bench`` (:mod:`parley.bench.offline`).
The whole recording is available, so it is used as a whole, the classic recipe: pyannote.audio's
``SpeakerDiarization`` pipeline over the whole recording, Whisper over the whole recording, then
each word labelled with the speaker whose turns overlap it most. It runs on the *same* models
Parley streams with (the :class:`~parley.server.engine.Engine`'s segmentation model, CAM++
embedding and Whisper), so the benchmark compares streaming against offline processing rather than
one model against another.

Everything stays offline: the pipeline gets the engine's model instances (never hub ids), no PLDA
(agglomerative clustering does not use one), and is applied without its telemetry hook.
"""

from __future__ import annotations

import bisect
import io
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from parley.server.scheduler import InferenceScheduler, Priority

if TYPE_CHECKING:
    from pyannote.audio.pipelines import SpeakerDiarization

    from parley.server.engine import Engine
    from parley.server.messages import FileOptions

SAMPLE_RATE = 16000
# the scheduler's name for all file work (one fairness record, however many files: files.max_concurrent
# bounds them, and every call of theirs is FILE priority, below every live session's)
FILE_CALLER = "files"

# Clustering hyperparameters: the pyannote/speaker-diarization-3.1 recipe (centroid linkage on
# unit-normalised embeddings, min_cluster_size 12, no gap filling between turns) with the
# threshold checked for CAM++. The threshold is a Euclidean distance between unit vectors,
# d = sqrt(2 - 2 cos). Measured (DER with a 0.5 s collar, overlap scored):
# * the pyannote sample (real telephone speech, 2 speakers, 37 clustered embeddings): each
#   speaker's embeddings link below d = 0.575 and the two speakers join at d = 0.78-0.82, so every
#   threshold in [0.60, 0.81] gives 2 speakers and DER 0.0; 0.30-0.55 splits off 1-2 extra
#   speakers (DER 0.22-0.36), from 0.82 on both speakers are one (DER 0.45);
# * ``parley.bench.synthetic``'s espeak-ng conversations: right from 0.55 to 0.75 with 3
#   speakers and 0.55 to 0.70 with 4 (DER 0.10), at most 4 of 5 speakers anywhere in 0.5-0.9,
#   and never 2 in "2spk-monologues" (its two voices are d = 0.49 apart for CAM++, closer than
#   real voices: a threshold that low would split the real sample).
# 0.65 is the middle of [0.60, 0.70], where every one of these files is at its best; 3.1's own
# 0.7045 (tuned for WeSpeaker embeddings) is at that range's upper edge.
# Calibrated again on the real-speech dev split (docs/dev-corpus.md, 2026-12-01; diarization only,
# DER with a 0.5 s collar): every threshold from 0.45 to 0.80 gives the same mean DER (0.047 with
# min_cluster_size 12, 0.044 with 6 or 3) and 2 speakers on every clip (the guests, 1-4 s of speech
# each, form clusters below min_cluster_size and are reassigned to the big ones); 0.40 splits
# dev-overlap (0.166). On the sample 0.40-0.55 split it (DER 0.217, 3 speakers), 0.65 and 0.75 give
# 0.000. So 0.65 stays, and min_cluster_size 6 (returning-speaker 0.024 -> 0.014, sample unchanged).
CLUSTERING_THRESHOLD = 0.65
MIN_CLUSTER_SIZE = 6
# Batch sizes (windows per forward pass), by device. On CPU batching does not pay: on the sample
# (2 cores, 1 torch thread) embeddings take 8.6 s one window at a time, 12.6 s by 8 and 17.1 s by
# 32 (CAM++'s 2-D front-end makes ~10 MB activations per 10 s window, which thrash the caches);
# segmentation is 0.5-0.6 s whatever the batch. A GPU wants batches.
BATCH_SIZES = {"cpu": (8, 1)}  # device type -> (segmentation, embedding)
GPU_BATCH_SIZES = (32, 32)


@dataclass
class FileWord:
    text: str
    start: float  # seconds from the start of the file
    end: float
    speaker: str | None  # a diarization label; None only when diarization found no speech at all
    probability: float


@dataclass
class FileResult:
    words: list[FileWord]
    turns: list[tuple[float, float, str]]  # diarization turns (start, end, label); overlaps kept
    asr_seconds: float  # wall time of the ASR stage
    diarization_seconds: float  # wall time of the diarization stage (pipeline set-up included)
    language: str  # the transcription language (detected when none was asked for)
    # pyannote's overlap-free variant of ``turns``, the one words are assigned from:
    exclusive_turns: list[tuple[float, float, str]] = field(default_factory=list)


def _no_plda():
    """A placeholder for the pipeline's ``plda`` argument.

    ``SpeakerDiarization.__init__`` always loads a PLDA (its default is a hub checkpoint, and
    ``get_plda`` rejects ``None``) although only VBx clustering uses it. An uninitialised ``PLDA``
    instance passes ``get_plda`` untouched and is never called by agglomerative clustering.
    """
    from pyannote.audio.core.plda import PLDA

    return PLDA.__new__(PLDA)


def build_pipeline(
    engine: Engine,
    *,
    threshold: float = CLUSTERING_THRESHOLD,
    min_cluster_size: int = MIN_CLUSTER_SIZE,
) -> SpeakerDiarization:
    """pyannote's diarization pipeline on the engine's segmentation and CAM++ models."""
    from pyannote.audio.pipelines import SpeakerDiarization

    device = torch.device(engine.device)
    segmentation_batch, embedding_batch = BATCH_SIZES.get(device.type, GPU_BATCH_SIZES)
    pipeline = SpeakerDiarization(
        segmentation=engine.segmentation,  # Model instances are used as they are (get_model)
        embedding=engine.embedding,  # -> PyannoteAudioPretrainedSpeakerEmbedding(model instance)
        embedding_exclude_overlap=True,
        plda=_no_plda(),
        clustering="AgglomerativeClustering",
        segmentation_batch_size=segmentation_batch,
        embedding_batch_size=embedding_batch,
    )
    # PyannoteAudioPretrainedSpeakerEmbedding moves the embedding model to its own device
    # argument, which the pipeline leaves at CPU: put the (shared) models back where they were.
    pipeline.to(device)
    pipeline.instantiate(
        {
            "segmentation": {"min_duration_off": 0.0},
            "clustering": {
                "method": "centroid",
                "min_cluster_size": min_cluster_size,
                "threshold": threshold,
            },
        }
    )
    return pipeline


class _InSlots:
    """A stage model of the pipeline (its segmentation ``Inference``'s ``infer``, its embedding
    model) whose every call, one batch of windows, first takes a FILE slot of the scheduler: live
    sessions' model calls go first between two batches, as between two Whisper windows."""

    def __init__(self, inner: Any, scheduler: InferenceScheduler, caller: str) -> None:
        self._inner = inner
        self._scheduler = scheduler
        self._caller = caller

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._scheduler.slot(self._caller, Priority.FILE):
            return self._inner(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


# share of the diarization's time each step takes, for progress (the sample on CPU: segmentation
# ~0.5 s, embeddings ~9 s, clustering and the rest well under 1 s)
_DIARIZATION_STEPS = {"segmentation": (0.0, 0.05), "embeddings": (0.05, 0.95)}


def diarize(
    pipeline: SpeakerDiarization,
    audio: np.ndarray,
    *,
    num_speakers: int | None = None,
    scheduler: InferenceScheduler | None = None,
    caller: str = "file",
    progress: Callable[[float], None] | None = None,
) -> tuple[list[tuple[float, float, str]], list[tuple[float, float, str]]]:
    """Apply the pipeline to 16 kHz mono audio in memory: (turns, exclusive turns).

    With ``scheduler``, each batch of the segmentation and embedding models runs in a FILE slot of
    it (clustering and pyannote's numpy steps do not: see :class:`_InSlots`). ``progress`` gets the
    fraction done after each batch; it may raise (e.g. :class:`Cancelled`) to stop there.
    """
    from pyannote.audio import Audio

    waveform = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))[None]
    file = Audio.validate_file({"waveform": waveform, "sample_rate": SAMPLE_RATE, "uri": "offline"})

    def hook(
        step: str, artifact: Any, file: Any = None, total: int | None = None, completed: int | None = None
    ):
        if progress is None:
            return
        begin, share = _DIARIZATION_STEPS.get(step, (1.0, 0.0))
        done = min(1.0, (completed or 0) / total) if total else 1.0
        progress(min(1.0, begin + share * done))

    segmentation, embedding = pipeline._segmentation, pipeline._embedding
    if scheduler is not None:  # on this pipeline only (one thread uses it at a time): undone below
        segmentation.infer = _InSlots(segmentation.infer, scheduler, caller)
        pipeline._embedding = _InSlots(embedding, scheduler, caller)
    try:
        # ``apply``, not ``__call__``: the latter also reports each file to pyannote's telemetry
        # endpoint (on by default in pyannote.audio 4), which an offline tool must not do.
        with warnings.catch_warnings():
            # pyannote probes the embedding model with a few samples to find its shortest input;
            # statistics pooling over a single frame then warns about its standard deviation
            warnings.filterwarnings("ignore", message=r"std\(\): degrees of freedom", category=UserWarning)
            output = pipeline.apply(file, num_speakers=num_speakers, hook=hook)
    finally:
        if scheduler is not None:
            del segmentation.infer
            pipeline._embedding = embedding
    return _turns(output.speaker_diarization), _turns(output.exclusive_speaker_diarization)


def _turns(annotation: Any) -> list[tuple[float, float, str]]:
    turns = [
        (float(segment.start), float(segment.end), str(label))
        for segment, _, label in annotation.itertracks(yield_label=True)
    ]
    return sorted(turns)


# Whisper runs over the file a window at a time: faster-whisper's feature extraction takes ~0.83
# MiB per second of the audio it is given (the STFT of all of it at once: 10 min -> ~0.5 GB, 2 h ->
# ~6 GB), so the file is given to it in windows of ASR_WINDOW_S, each cut at the quietest moment
# of its last ASR_CUT_SEARCH_S (between words, so no word is cut in two, lost or heard twice).
# Windows are decoded independently: prompting one with the previous one's last words made Whisper
# repeat them (the sample in 12 s windows: an "oh" became the prompt's "Hello. Hello. Hello.").
ASR_WINDOW_S = 300.0
ASR_CUT_SEARCH_S = 20.0
_CUT_FRAME_S = 0.1  # energy is compared over frames of this length


def asr_windows(
    audio: np.ndarray, window_s: float = ASR_WINDOW_S, search_s: float = ASR_CUT_SEARCH_S
) -> list[tuple[int, int]]:
    """(start, end) sample ranges that cover ``audio`` end to end, each at most ``window_s`` long
    and cut (all but the last) at the quietest ``_CUT_FRAME_S`` frame of its last ``search_s``."""
    window = max(int(window_s * SAMPLE_RATE), SAMPLE_RATE)
    search = min(int(search_s * SAMPLE_RATE), window // 2)
    frame = int(_CUT_FRAME_S * SAMPLE_RATE)
    ranges = []
    start = 0
    while len(audio) - start > window:
        region = audio[start + window - search : start + window]
        frames = len(region) // frame
        energy = np.square(region[: frames * frame].reshape(frames, frame), dtype=np.float32).sum(axis=1)
        # the middle of the quietest frame (the latest of equals: windows as long as allowed)
        quietest = frames - 1 - int(np.argmin(energy[::-1]))
        cut = start + window - search + quietest * frame + frame // 2
        ranges.append((start, cut))
        start = cut
    ranges.append((start, len(audio)))
    return ranges


def transcribe(
    audio: np.ndarray,
    engine: Engine,
    *,
    language: str | None = "en",
    progress: Callable[[float], None] | None = None,
    window_s: float = ASR_WINDOW_S,
) -> tuple[list[tuple[str, float, float, float]], str]:
    """Whisper over the whole file: ([(text, start, end, probability)], language).

    The file is decoded in windows (:func:`asr_windows`), each on its own (conditioned on its own
    previous text only); a language detected in the first window is kept for the rest. ``progress`` gets the
    end (s) of each segment as it is decoded; it may raise to stop early.
    """
    model = engine.whisper(english_only=language == "en")
    # each 30 s window is decoded in a slot of the engine's scheduler at the lowest priority
    # (server/scheduler.py): a live session's model calls go first between two windows
    caller = FILE_CALLER
    words: list[tuple[str, float, float, float]] = []
    detected = language
    for start, end in asr_windows(audio, window_s):
        offset = start / SAMPLE_RATE
        with engine.scheduler.slot(caller, Priority.FILE):  # language detection runs here, eagerly
            segments, info = model.transcribe(
                np.ascontiguousarray(audio[start:end], dtype=np.float32),
                language=detected,
                word_timestamps=True,
                beam_size=5,
                vad_filter=False,
                condition_on_previous_text=True,
            )
        detected = info.language
        pending = iter(segments)  # a generator: decoding happens while iterating
        while True:
            with engine.scheduler.slot(caller, Priority.FILE):
                segment = next(pending, None)
            if segment is None:
                break
            words += [
                (
                    word.word.strip(),
                    offset + float(word.start),
                    offset + float(word.end),
                    float(word.probability),
                )
                for word in segment.words or ()
                if word.word.strip()
            ]
            if progress is not None:
                progress(offset + float(segment.end))
    return words, detected or "en"


def assign_speakers(
    words: list[tuple[float, float]], turns: list[tuple[float, float, str]]
) -> list[str | None]:
    """The speaker of each (start, end) word: the one whose turns overlap it for longest.

    A word no turn overlaps, or one that two speakers overlap equally, goes to the speaker of the
    turn nearest its midpoint (the earlier turn on a tie). None for every word when there are no
    turns at all.
    """
    if not turns:
        return [None] * len(words)
    turns = sorted(turns)
    starts = [start for start, _, _ in turns]
    longest = max(end - start for start, end, _ in turns)
    speakers: list[str | None] = []
    for word_start, word_end in words:
        overlap: dict[str, float] = {}
        # turns starting before the word's end; those ending before its start have no overlap
        first = bisect.bisect_left(starts, word_start - longest)
        for start, end, label in turns[first : bisect.bisect_right(starts, word_end)]:
            shared = min(end, word_end) - max(start, word_start)
            if shared > 0:
                overlap[label] = overlap.get(label, 0.0) + shared
        best = max(overlap.values(), default=0.0)
        candidates = {label for label, shared in overlap.items() if shared >= best - 1e-9} if best else None
        if candidates is not None and len(candidates) == 1:
            speakers.append(next(iter(candidates)))
            continue
        middle = (word_start + word_end) / 2
        _, _, label = min(
            (max(start - middle, middle - end, 0.0), start, label)
            for start, end, label in turns
            if candidates is None or label in candidates
        )
        speakers.append(label)
    return speakers


class Cancelled(Exception):
    """The caller asked (through ``progress``) to stop: e.g. the HTTP client went away."""


Progress = Callable[[str, float], None]  # (stage, fraction of the file done); may raise Cancelled


class _Pipelines:
    """Diarization pipelines per engine, built once and reused (building one moves the shared
    embedding model, see :func:`build_pipeline`, so it is done under a lock, not per file); a
    pipeline is used by one thread at a time (``files.max_concurrent`` of them at most)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._free: dict[int, list[SpeakerDiarization]] = {}

    def take(self, engine: Engine) -> SpeakerDiarization:
        with self._lock:
            free = self._free.setdefault(id(engine), [])
            return free.pop() if free else build_pipeline(engine)

    def give_back(self, engine: Engine, pipeline: SpeakerDiarization) -> None:
        with self._lock:
            self._free.setdefault(id(engine), []).append(pipeline)


PIPELINES = _Pipelines()


def transcribe_audio(
    audio: np.ndarray,
    engine: Engine,
    *,
    language: str | None = "en",
    num_speakers: int | None = None,
    diarize_speakers: bool = True,
    progress: Progress | None = None,
    asr_window_s: float = ASR_WINDOW_S,
) -> FileResult:
    """Diarize, then transcribe, the whole of ``audio`` (16 kHz mono float32) on the engine's models.

    ``language``: Whisper's language ("en" uses the English-only model); None detects it with the
    multilingual model. ``num_speakers``: force that many speakers; None estimates it.
    ``diarize_speakers``: False skips diarization (every word's speaker is None). ``progress`` is
    called with ("diarization" | "transcription", fraction done) as the work goes on (after each
    batch of windows of the diarization models, each Whisper segment); it may raise
    :class:`Cancelled` to stop there. ``asr_window_s``: Whisper's window (:func:`asr_windows`).
    """
    duration = max(len(audio) / SAMPLE_RATE, 1e-6)
    began = time.perf_counter()
    turns: list[tuple[float, float, str]] = []
    exclusive: list[tuple[float, float, str]] = []
    started = time.perf_counter()
    if diarize_speakers and len(audio):
        if progress is not None:
            progress("diarization", 0.0)
        pipeline = PIPELINES.take(engine)
        try:
            turns, exclusive = diarize(
                pipeline,
                audio,
                num_speakers=num_speakers,
                scheduler=engine.scheduler,
                caller=FILE_CALLER,
                progress=(lambda fraction: progress("diarization", fraction)) if progress else None,
            )
        finally:
            PIPELINES.give_back(engine, pipeline)
    diarization_seconds = time.perf_counter() - started

    started = time.perf_counter()
    words, detected = transcribe(
        audio,
        engine,
        language=language,
        progress=(lambda end: progress("transcription", min(1.0, end / duration))) if progress else None,
        window_s=asr_window_s,
    )
    asr_seconds = time.perf_counter() - started
    engine.account("files", began)

    # words are labelled from the overlap-free turns pyannote derives for transcripts; where
    # those are empty (no frame with exactly one speaker), from the full turns
    labels = assign_speakers([(start, end) for _, start, end, _ in words], exclusive or turns)
    return FileResult(
        words=[
            FileWord(text=text, start=start, end=end, speaker=label, probability=probability)
            for (text, start, end, probability), label in zip(words, labels, strict=True)
        ],
        turns=turns,
        asr_seconds=asr_seconds,
        diarization_seconds=diarization_seconds,
        language=detected,
        exclusive_turns=exclusive,
    )


def transcribe_to_response(
    audio: np.ndarray,
    engine: Engine,
    options: FileOptions,
    *,
    request_id: str,
    sha256: str,
    progress: Progress | None = None,
    asr_window_s: float = ASR_WINDOW_S,
) -> dict[str, Any]:
    """:func:`transcribe_audio` with ``options``, answered as ``POST /v1/listen`` answers (Deepgram's
    pre-recorded JSON); ``parley transcribe`` builds the same document in process."""
    from datetime import UTC, datetime

    from parley.server.messages import listen_response

    result = transcribe_audio(
        audio,
        engine,
        language=options.language,
        diarize_speakers=options.diarize,
        progress=progress,
        asr_window_s=asr_window_s,
    )
    return listen_response(
        [(w.text, w.start, w.end, w.probability, w.speaker) for w in result.words],
        options,
        request_id=request_id,
        sha256=sha256,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        duration=len(audio) / SAMPLE_RATE,
        model=engine.asr_name(english_only=options.language == "en"),
        language=result.language,
    )


# -- uploads: bytes in, 16 kHz mono float32 out, bounded -----------------------------------------


class UploadError(Exception):
    """An upload that cannot be transcribed: ``status`` is the HTTP status to answer, ``code`` a
    stable word for programs, the message a reason for people."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


# formats whose header states the exact duration (not an estimate from the bit rate, as MP3's):
# a body that decodes to less than that was cut short
_EXACT_DURATION_FORMATS = frozenset({"flac", "mov,mp4,m4a,3gp,3g2,mj2"})
_MAX_RIFF_CHUNKS = 64  # chunks looked at before a WAV's ``data`` chunk


def decode_upload(
    data: bytes | bytearray,
    *,
    max_seconds: float,
    encoding: str | None = None,
    sample_rate: int | None = None,
    channels: int = 1,
) -> np.ndarray:
    """An uploaded body as 16 kHz mono float32: an audio file in any container FFmpeg (PyAV) reads,
    decoded from memory, or raw PCM when ``encoding`` (``pcm_s16le``/``pcm_f32le``) is given.

    Raises :class:`UploadError`: 400 for a body that is not audio, holds none, is damaged or cut
    short; 413 for more than ``max_seconds`` of audio (decoding stops there: a small file that
    expands to hours is not decoded in full).
    """
    if encoding is not None:
        return _decode_pcm(data, encoding, sample_rate, channels, max_seconds)
    import av

    if not data:
        raise UploadError(400, "empty_body", "the request has no body: send the audio file as the body")
    reader = _BodyReader(data)
    try:
        container = av.open(reader, mode="r", metadata_errors="ignore")
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise UploadError(
            400,
            "not_audio",
            f"the body is not an audio file FFmpeg can read ({_reason(exc)}); for raw PCM, "
            "give encoding and sample_rate in the query",
        ) from None
    try:
        if not container.streams.audio:
            raise UploadError(400, "no_audio", "the file has no audio stream")
        stream = container.streams.audio[0]
        declared = _declared_seconds(container, stream)
        if declared is not None and declared > max_seconds:
            raise UploadError(
                413,
                "too_long",
                f"the audio is {declared:.0f} s long; at most {max_seconds:.0f} s are accepted",
            )
        samples = _decode_stream(container, stream, max_seconds)
    finally:
        container.close()
        reader.close()
    seconds = len(samples) / SAMPLE_RATE
    if not len(samples):
        raise UploadError(400, "no_audio", "the file holds no audio samples")
    short_by = _missing_wav_bytes(data)
    if short_by:
        raise UploadError(
            400, "truncated", f"the file is cut short: its WAV header declares {short_by} more bytes of audio"
        )
    if (
        declared is not None
        and container.format.name in _EXACT_DURATION_FORMATS
        and seconds < declared - max(0.5, 0.01 * declared)
    ):
        raise UploadError(
            400,
            "truncated",
            f"the file is cut short: its header says {declared:.1f} s, only {seconds:.1f} s decode",
        )
    return samples


def _declared_seconds(container: Any, stream: Any) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000  # AV_TIME_BASE
    return None


class _Samples:
    """Decoded 16 kHz float32 samples written once into one buffer of ``capacity`` samples: no list
    of chunks concatenated at the end (a second copy of the whole file). The buffer is allocated up
    front and only the pages written to become resident, so memory is the decoded audio itself,
    4 bytes per sample (64 kB per second), however large ``capacity`` is."""

    def __init__(self, capacity: int) -> None:
        self.buffer = np.empty(max(0, capacity), dtype=np.float32)
        self.size = 0

    def add(self, chunk: np.ndarray) -> bool:
        """Append ``chunk``; False (nothing written) when it does not fit."""
        end = self.size + len(chunk)
        if end > len(self.buffer):
            return False
        self.buffer[self.size : end] = chunk
        self.size = end
        return True

    def result(self) -> np.ndarray:
        return self.buffer[: self.size]


def _decode_stream(container: Any, stream: Any, max_seconds: float) -> np.ndarray:
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    samples = _Samples(int(max_seconds * SAMPLE_RATE))

    def take(frames: list[Any]) -> None:
        for frame in frames:
            if not samples.add(frame.to_ndarray().reshape(-1)):
                raise UploadError(
                    413, "too_long", f"the audio is longer than the {max_seconds:.0f} s accepted"
                )

    try:
        for frame in container.decode(stream):
            frame.pts = None  # the resampler does not need them; damaged files have odd ones
            take(resampler.resample(frame))
        take(resampler.resample(None))
    except (av.FFmpegError, ValueError) as exc:
        if isinstance(exc, UploadError):
            raise
        raise UploadError(
            400, "damaged", f"the audio is damaged at {samples.size / SAMPLE_RATE:.1f} s ({_reason(exc)})"
        ) from None
    return samples.result()


class _BodyReader:
    """A read-only, seekable file over the request body, for FFmpeg: unlike ``io.BytesIO``, which
    copies a ``bytearray`` (the body as received), it reads from the body in place."""

    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self._view = memoryview(data)
        self._position = 0

    def read(self, size: int = -1) -> bytes:
        start = self._position
        end = len(self._view) if size is None or size < 0 else min(len(self._view), start + size)
        self._position = max(start, end)
        return bytes(self._view[start:end])

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: len(self._view)}[whence]
        self._position = max(0, base + offset)
        return self._position

    def tell(self) -> int:
        return self._position

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._view.release()


def _missing_wav_bytes(data: bytes | bytearray) -> int:
    """For a RIFF/WAVE body: how many bytes of audio its ``data`` chunk declares beyond the body's
    end (0 when complete, not a WAV, or of unknown length, as streamed WAVs write 0 or 2^32-1)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return 0
    offset = 12
    for _ in range(_MAX_RIFF_CHUNKS):
        if offset + 8 > len(data):
            return 0
        chunk, size = data[offset : offset + 4], int.from_bytes(data[offset + 4 : offset + 8], "little")
        if chunk == b"data":
            if size in (0, 0xFFFFFFFF):
                return 0
            return max(0, size - (len(data) - offset - 8))
        offset += 8 + size + (size & 1)
    return 0


def _decode_pcm(
    data: bytes | bytearray, encoding: str, sample_rate: int | None, channels: int, max_seconds: float
) -> np.ndarray:
    from parley.server.audio import PcmDecoder

    if sample_rate is None:
        raise UploadError(400, "bad_parameter", "raw PCM (encoding=...) needs sample_rate=<Hz> in the query")
    try:
        decoder = PcmDecoder(encoding, sample_rate, channels)
    except ValueError as exc:
        raise UploadError(400, "bad_parameter", str(exc)) from None
    if not data:
        raise UploadError(400, "empty_body", "the request has no body: send the audio as the body")
    seconds = len(data) / (decoder.frame_bytes * sample_rate)
    if seconds > max_seconds:
        raise UploadError(
            413, "too_long", f"the audio is {seconds:.0f} s long; at most {max_seconds:.0f} s is accepted"
        )
    if len(data) % decoder.frame_bytes:
        raise UploadError(
            400,
            "truncated",
            f"the body ends inside a sample: {len(data)} bytes is not a whole number of "
            f"{decoder.frame_bytes}-byte sample frames ({encoding}, {channels} channel(s))",
        )
    # fed a slice at a time into one buffer: the decoder copies what it is given, and the whole
    # body at once would be a copy of the body plus float32 copies of all of it
    samples = _Samples(int(seconds * SAMPLE_RATE) + SAMPLE_RATE)  # + the resampler's latency
    view = memoryview(data)
    step = decoder.frame_bytes * 65536
    try:
        for start in range(0, len(view), step):
            if not samples.add(decoder.decode(bytes(view[start : start + step]))):
                raise UploadError(413, "too_long", "the audio decodes to more samples than its length gives")
        if not samples.add(decoder.flush()):
            raise UploadError(413, "too_long", "the audio decodes to more samples than its length gives")
    finally:
        view.release()
    return samples.result()


def _reason(exc: BaseException) -> str:
    """FFmpeg's reason for an error, without the errno and file name PyAV adds."""
    return str(getattr(exc, "strerror", None) or exc)
