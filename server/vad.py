"""Utterance cutting with webrtcvad, on the sample clock.

:class:`UtteranceSegmenter` takes 16 kHz float32 audio in arbitrary chunks and returns the
utterances it closes. An utterance opens when ``onset_ms`` of voiced frames fall within
``onset_window_ms`` (it then starts ``preroll_ms`` earlier, so the first phoneme is not clipped) and
closes after ``hangover_ms`` of unvoiced frames. One that reaches ``max_utterance_s`` is cut at the
quietest frame of its last ``cut_search_s`` seconds (an unvoiced frame if there is one, i.e. a pause
between words rather than the middle of one) and the rest goes on as a new utterance.

Memory is bounded: the segmenter holds at most one utterance (<= ``max_utterance_s``) plus the
pre-roll.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import webrtcvad

from parley.config import VadConfig

SAMPLE_RATE = 16000
KEEP_TRAILING_MS = 200  # silence kept after the last voiced frame of a closed utterance


@dataclass
class Utterance:
    """A stretch of speech: ``audio`` starting at sample ``start`` of the stream."""

    start: int
    audio: np.ndarray

    @property
    def end(self) -> int:
        return self.start + len(self.audio)

    @property
    def duration(self) -> float:
        return len(self.audio) / SAMPLE_RATE


class UtteranceSegmenter:
    """Cuts a stream into utterances; see the module docstring for the rules."""

    def __init__(self, config: VadConfig) -> None:
        if config.frame_ms not in (10, 20, 30):
            raise ValueError("vad.frame_ms must be 10, 20 or 30")
        self.config = config
        self._vad = webrtcvad.Vad(config.aggressiveness)
        self.frame_samples = SAMPLE_RATE * config.frame_ms // 1000
        self._remainder = np.zeros(0, dtype=np.float32)
        self._clock = 0  # stream sample index where the next frame starts
        self._preroll: deque[np.ndarray] = deque(maxlen=max(1, config.preroll_ms // config.frame_ms))
        self._preroll_voiced: deque[bool] = deque(maxlen=self._preroll.maxlen)
        self.max_frames = int(config.max_utterance_s * 1000) // config.frame_ms  # an utterance's frame cap
        self._onset: deque[bool] = deque(maxlen=max(1, config.onset_window_ms // config.frame_ms))
        self._frames: list[np.ndarray] = []  # the open utterance, frame by frame
        self._voiced: list[bool] = []
        self._start = 0  # stream sample index of the open utterance's first frame
        self._trailing_unvoiced = 0

    @property
    def in_speech(self) -> bool:
        return bool(self._frames)

    @property
    def trailing_silence_ms(self) -> int:
        """Unvoiced audio at the end of the open utterance (it may be about to close)."""
        return self._trailing_unvoiced * self.config.frame_ms

    @property
    def open_since(self) -> int | None:
        """Stream sample where the open utterance starts, or None between utterances."""
        return self._start if self._frames else None

    def close_open(self) -> list[Utterance]:
        """Close the open utterance now and go on (a finalize): unlike :meth:`flush`, the sub-frame
        remainder stays for the next frames, so the sample clock runs on unchanged."""
        if not self._frames:
            return []
        return self._close(len(self._frames))

    def current(self) -> Utterance | None:
        """The open utterance so far, or None between utterances."""
        if not self._frames:
            return None
        return Utterance(self._start, np.concatenate(self._frames))

    def push(self, samples: np.ndarray) -> list[Utterance]:
        """Feed audio; return the utterances that this audio closed, in order."""
        closed: list[Utterance] = []
        audio = np.concatenate([self._remainder, samples]) if len(self._remainder) else samples
        n_frames = len(audio) // self.frame_samples
        for i in range(n_frames):
            frame = audio[i * self.frame_samples : (i + 1) * self.frame_samples]
            closed.extend(self._push_frame(frame))
        self._remainder = audio[n_frames * self.frame_samples :].copy()
        return closed

    def flush(self) -> list[Utterance]:
        """End of stream: close the open utterance (the sub-frame remainder is included)."""
        closed: list[Utterance] = []
        if self._frames:
            if len(self._remainder):
                self._frames.append(self._remainder)
                self._voiced.append(False)
            closed.extend(self._close(len(self._frames)))
        self._remainder = np.zeros(0, dtype=np.float32)
        return closed

    def _is_voiced(self, frame: np.ndarray) -> bool:
        pcm = (np.clip(frame, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        return self._vad.is_speech(pcm, SAMPLE_RATE)

    def _push_frame(self, frame: np.ndarray) -> list[Utterance]:
        voiced = self._is_voiced(frame)
        frame_start = self._clock
        self._clock += len(frame)
        if not self._frames:
            self._preroll.append(frame)
            self._preroll_voiced.append(voiced)
            self._onset.append(voiced)
            if sum(self._onset) * self.config.frame_ms >= self.config.onset_ms:
                self._frames, self._voiced = list(self._preroll), list(self._preroll_voiced)
                self._start = frame_start + len(frame) - sum(len(f) for f in self._frames)
                self._preroll.clear()
                self._preroll_voiced.clear()
                self._onset.clear()
                self._trailing_unvoiced = 0
            return []
        self._frames.append(frame)
        self._voiced.append(voiced)
        self._trailing_unvoiced = 0 if voiced else self._trailing_unvoiced + 1
        if self._trailing_unvoiced * self.config.frame_ms >= self.config.hangover_ms:
            keep = KEEP_TRAILING_MS // self.config.frame_ms
            return self._close(len(self._frames) - self._trailing_unvoiced + keep)
        if len(self._frames) >= self.max_frames:
            return self._close(self._quietest_cut())
        return []

    def cut_between(self, first: int, last: int, lead_in_ms: int = 0) -> int:
        """Drop the open utterance's audio before a pause in stream samples [first, last].

        Used once the words before the pause were committed: the cut falls after the quietest
        frame of that range (the gap between two words). The rest stays open, starting
        ``lead_in_ms`` before the cut (Whisper drops the first word of audio that starts
        abruptly; the caller ignores words before the cut). Returns the cut's stream sample.
        """
        if not self._frames:
            return first
        lo = max(1, (first - self._start) // self.frame_samples)
        hi = min(len(self._frames) - 1, max(lo, (last - self._start) // self.frame_samples))
        quietest = min(range(lo, hi + 1), key=lambda i: float(np.mean(self._frames[i] ** 2)), default=0)
        cut_frames = quietest + 1
        if not 0 < cut_frames < len(self._frames):
            return first
        cut = self._start + cut_frames * self.frame_samples
        drop = max(0, cut_frames - lead_in_ms // self.config.frame_ms)
        self._start += drop * self.frame_samples
        self._frames, self._voiced = self._frames[drop:], self._voiced[drop:]
        return cut

    def _quietest_cut(self) -> int:
        """Number of frames to close with, cutting at the quietest recent frame."""
        search = max(1, int(self.config.cut_search_s * 1000 / self.config.frame_ms))
        last = min(len(self._frames), self.max_frames)
        first = max(1, last - search)
        best, best_score = last, float("inf")
        for i in range(first, last):
            rms = float(np.sqrt(np.mean(self._frames[i] ** 2)) + 1e-9)
            score = rms * (1.0 if not self._voiced[i] else 4.0)  # prefer pauses over speech
            if score < best_score:
                best, best_score = i + 1, score
        return best

    def _close(self, n_frames: int) -> list[Utterance]:
        """Close the first ``n_frames`` frames; frames after them stay open as a new utterance."""
        n_frames = min(n_frames, len(self._frames))
        closed_frames, rest = self._frames[:n_frames], self._frames[n_frames:]
        voiced_ms = sum(self._voiced[:n_frames]) * self.config.frame_ms
        utterance = Utterance(self._start, np.concatenate(closed_frames))
        rest_voiced = self._voiced[n_frames:]
        self._start += len(utterance.audio)
        if any(rest_voiced):  # a forced cut inside speech: the rest is the next utterance
            self._frames, self._voiced = rest, rest_voiced
        else:
            self._frames, self._voiced = [], []
            for frame in rest[-self._preroll.maxlen :] if rest else []:
                self._preroll.append(frame)
                self._preroll_voiced.append(False)
            self._onset.clear()
        self._trailing_unvoiced = 0
        if voiced_ms < self.config.min_utterance_ms:
            return []
        return [utterance]
