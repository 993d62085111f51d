"""The shared model pool: one copy of each model per process, used by every session.

Sessions never hold models; they call the :class:`Engine`, whose methods are synchronous and
thread-safe, from worker threads (never on the event loop). Every model call first takes a slot of
the one :class:`~parley.server.scheduler.InferenceScheduler` of the process (finals before partials
before speaker windows, round robin between sessions): the calling thread says on whose behalf it
runs with :meth:`Engine.serving`. This is the one place where batching across sessions or a GPU
slots in.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from faster_whisper import WhisperModel
from pyannote.audio import Model
from pyannote.audio.utils.powerset import Powerset

from parley.config import Config
from parley.models.bundle import resolve
from parley.models.campplus import CAMPPlus
from parley.server.scheduler import InferenceScheduler, Priority

log = logging.getLogger(__name__)
SAMPLE_RATE = 16000
MEL_HOP = 160  # samples per Whisper mel frame (10 ms)
WHISPER_FRAMES = 3000  # Whisper's encoder window: 30 s of mel frames


def encoder_frames(samples: int, margin_s: float, bucket_s: float, min_s: float) -> int:
    """Mel frames the encoder sees for ``samples`` of audio: the audio plus ``margin_s``, at least
    ``min_s``, rounded up to a multiple of ``bucket_s`` (few distinct shapes), at most Whisper's
    30 s window."""
    content = samples // MEL_HOP + 1
    bucket = max(1, round(bucket_s * SAMPLE_RATE / MEL_HOP))
    wanted = max(content + round(margin_s * SAMPLE_RATE / MEL_HOP), round(min_s * SAMPLE_RATE / MEL_HOP))
    return min(WHISPER_FRAMES, -(-wanted // bucket) * bucket)


class SizedWhisperModel(WhisperModel):
    """faster-whisper's model with an encoder input sized per call.

    faster-whisper pads every window's features to 3000 frames (30 s) before the encoder, whose
    cost grows faster than linearly with its input: a 6.5 s utterance took 192 ms at 3000 frames
    and 40 ms at 1500 (issue 13). :meth:`sized` sets, for the calling thread, how many of those
    frames the encoder keeps; the decoder and the word aligner work on whatever the encoder gave
    (CTranslate2 accepts inputs shorter than 3000 frames). Only a window that holds the whole
    audio is cut: longer audio keeps the 30 s windows.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._frames = threading.local()

    def sized(self, frames: int | None) -> None:
        """Encoder frames for this thread's next decodes (None: the full 30 s window)."""
        self._frames.value = frames

    def encode(self, features: np.ndarray) -> Any:
        frames = getattr(self._frames, "value", None)
        if frames is not None and features.shape[-1] > frames:
            features = features[..., :frames]
        return super().encode(features)


@dataclass(frozen=True)
class FrameGrid:
    """Timing of segmentation output frames: frame ``i`` is centred at ``first_center + i * step`` s."""

    first_center: float
    step: float


def _device(name: str) -> str:
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


class Engine:
    """Loads the configured models once and runs inference for all sessions."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.device = _device(config.models.device)
        self._whisper: dict[str, WhisperModel] = {}
        self._whisper_lock = threading.Lock()
        self.stage_seconds: dict[str, float] = defaultdict(float)  # cumulative inference time by stage
        self._stats_lock = threading.Lock()
        self.scheduler = InferenceScheduler(
            max(1, config.server.inference_workers), max_wait_s=config.server.scheduler_max_wait_s
        )
        self._caller = threading.local()  # .session: whose work this thread runs (fairness)
        # pyannote.audio 4 sends usage telemetry to its vendor by default; a speech service must not
        # phone home with its users' sessions (and our machines have no route out anyway)
        os.environ["PYANNOTE_METRICS_ENABLED"] = "false"
        started = time.perf_counter()
        models_dir = config.models_dir()
        self.segmentation = self._load_pyannote(config.models.segmentation, models_dir, "pytorch_model.bin")
        spec = self.segmentation.specifications
        self._powerset = Powerset(len(spec.classes), spec.powerset_max_classes) if spec.powerset else None
        self.embedding = self._load_embedding(config.models.embedding, models_dir)
        self.whisper(english_only=True)  # load the default ASR model now, the multilingual one on demand
        # after loading: pyannote/lightning reset torch's thread count while loading a checkpoint
        torch.set_num_threads(max(1, config.models.torch_threads))
        log.info("models loaded in %.1f s on %s", time.perf_counter() - started, self.device)

    # -- loading ---------------------------------------------------------------------------------

    def _load_pyannote(self, ref: str, models_dir: Path, filename: str) -> Model:
        location = resolve(ref, models_dir)
        if isinstance(location, Path):
            model = Model.from_pretrained(location / filename)
        else:
            model = Model.from_pretrained(location, token=self.config.models.hf_token)
        if model is None:
            raise RuntimeError(f"could not load pyannote model {ref!r}")
        return model.eval().to(self.device)

    def _load_embedding(self, ref: str, models_dir: Path) -> Model:
        if ref == "bundle:campplus":
            path = resolve(ref, models_dir)
            assert isinstance(path, Path)
            return CAMPPlus.from_state_dict_file(path / "campplus_cn_en_common.pt").to(self.device)
        return self._load_pyannote(ref, models_dir, "pytorch_model.bin")

    def whisper(self, english_only: bool) -> SizedWhisperModel:
        """The English ASR model (``models.asr``) or the multilingual one (``models.asr_multilingual``)."""
        ref = self.config.models.asr if english_only else self.config.models.asr_multilingual
        with self._whisper_lock:
            if ref not in self._whisper:
                location = resolve(ref, self.config.models_dir())
                compute_type = self.config.models.compute_type if self.device == "cpu" else "float16"
                self._whisper[ref] = SizedWhisperModel(
                    str(location),
                    device=self.device,
                    compute_type=compute_type,
                    cpu_threads=self.config.models.cpu_threads,
                    num_workers=max(1, self.config.server.inference_workers),
                    local_files_only=isinstance(location, Path),
                )
            return self._whisper[ref]

    def asr_name(self, english_only: bool) -> str:
        return self.config.models.asr if english_only else self.config.models.asr_multilingual

    # -- inference -------------------------------------------------------------------------------

    @contextmanager
    def serving(self, session: str, background: bool = False) -> Iterator[None]:
        """Model calls of this thread inside the block run on behalf of ``session`` (fairness);
        ``background``: nobody listens to it now, its calls rank as :attr:`Priority.BACKGROUND`."""
        previous = getattr(self._caller, "session", None), getattr(self._caller, "background", False)
        self._caller.session, self._caller.background = session, background
        try:
            yield
        finally:
            self._caller.session, self._caller.background = previous

    def _slot(self, priority: Priority, shed_after_s: float | None = None) -> Any:
        if getattr(self._caller, "background", False) and priority < Priority.BACKGROUND:
            priority = Priority.BACKGROUND
        return self.scheduler.slot(getattr(self._caller, "session", None) or "-", priority, shed_after_s)

    def account(self, stage: str, started: float) -> None:
        """Add the time since ``started`` (``time.perf_counter()``) to ``stage``'s total."""
        with self._stats_lock:
            self.stage_seconds[stage] += time.perf_counter() - started

    def transcribe(
        self,
        audio: np.ndarray,
        *,
        english_only: bool,
        priority: Priority = Priority.FINAL,
        shed_after_s: float | None = None,
        sized: bool = False,
        **options: Any,
    ) -> tuple[list[Any], Any] | None:
        """faster-whisper over one utterance; returns (segments, info), or None when the call was
        shed: no inference slot within ``shed_after_s`` (see :class:`InferenceScheduler`).

        ``sized``: the encoder sees the utterance plus a margin (:func:`encoder_frames` with the
        ``asr.encoder_*`` settings) instead of 30 s, when the utterance fits in one window.
        """
        asr = self.config.asr
        model = self.whisper(english_only)
        frames = None
        if sized and len(audio) // MEL_HOP < WHISPER_FRAMES:
            frames = encoder_frames(len(audio), asr.encoder_margin_s, asr.encoder_bucket_s, asr.encoder_min_s)
        with self._slot(priority, shed_after_s) as granted:
            if not granted:
                return None
            started = time.perf_counter()
            model.sized(frames)
            try:
                segments, info = model.transcribe(audio, vad_filter=False, **options)
                result = list(segments)
            finally:
                model.sized(None)
            self.account("asr", started)
        return result, info

    def detect_language(
        self, audio: np.ndarray, *, priority: Priority = Priority.FINAL, shed_after_s: float | None = None
    ) -> dict[str, float] | None:
        """Whisper's language probabilities for one utterance (the multilingual model, its first 30 s),
        in a scheduler slot; None when the call was shed."""
        model = self.whisper(english_only=False)
        with self._slot(priority, shed_after_s) as granted:
            if not granted:
                return None
            started = time.perf_counter()
            _, _, probabilities = model.detect_language(audio)
            self.account("language", started)
        return {language: float(probability) for language, probability in probabilities}

    @property
    def frame_grid(self) -> FrameGrid:
        window = self.segmentation.receptive_field
        return FrameGrid(first_center=window.start + window.duration / 2, step=window.step)

    def segment(self, audio: np.ndarray) -> np.ndarray:
        """Local speaker activity over a window: (frames, local_speakers) array of 0/1."""
        with self._slot(Priority.SPEAKERS), torch.inference_mode():
            started = time.perf_counter()
            waveform = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))[None, None]
            scores = self.segmentation(waveform.to(self.device))
            if self._powerset is not None:
                scores = self._powerset.to_multilabel(scores)
            else:
                scores = (scores > 0.5).float()
        self.account("segmentation", started)
        return scores[0].cpu().numpy()

    def embed(self, audio: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Embeddings of the local speakers of a window.

        ``weights``: (speakers, frames) frame weights (e.g. the frames where only that speaker
        speaks). Returns (speakers, dimension) L2-normalised embeddings.
        """
        with self._slot(Priority.SPEAKERS), torch.inference_mode():
            started = time.perf_counter()
            waveform = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))[None, None]
            mask = torch.from_numpy(np.ascontiguousarray(weights, dtype=np.float32))[None]
            vectors = self.embedding(waveform.to(self.device), weights=mask.to(self.device))[0]
            vectors = torch.nn.functional.normalize(vectors, dim=-1)
        self.account("embedding", started)
        return vectors.cpu().numpy()
