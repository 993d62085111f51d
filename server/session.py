"""One streaming session: audio in on the sample clock, caption events out.

A :class:`Session` holds all per-session state (decoder, VAD, ASR hypothesis, speaker clusters) and
no socket, thread or clock. The server calls :meth:`Session.receive_audio` on the event loop (cheap:
decode and queue) and :meth:`Session.step` in a worker thread (the model work). Events are plain
dicts in the wire format of ``docs/protocol.md``, minus ``lag``, which the server adds on sending.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from parley.config import Config
from parley.server.audio import PIPELINE_RATE, PcmDecoder
from parley.server.captions import attribute_words, caption_text, split_turns
from parley.server.engine import Engine
from parley.server.speakers import SpeakerTracker, speaker_id
from parley.server.transcribe import UtteranceTranscriber
from parley.server.vad import Utterance, UtteranceSegmenter

Event = dict[str, Any]
PARTIAL_MAX_LAG_S = 0.3  # behind by more than this, the session skips partials to catch up


@dataclass
class SessionOptions:
    """What the client asked for in ``start`` (validated by the protocol layer)."""

    sample_rate: int = 16000
    encoding: str = "pcm_s16le"
    channels: int = 1
    language: str | None = "en"
    task: str = "transcribe"
    partials: bool = True


class Session:
    """The pipeline of one stream: VAD cut -> ASR -> speakers -> captions."""

    def __init__(self, engine: Engine, config: Config, options: SessionOptions, session_id: str) -> None:
        self.session_id = session_id
        self.config = config
        self.options = options
        self.decoder = PcmDecoder(options.encoding, options.sample_rate, options.channels)
        self.segmenter = UtteranceSegmenter(config.vad)
        self.transcriber = UtteranceTranscriber(engine, config.asr, options.language, options.task)
        self.speakers = SpeakerTracker(engine, config.speakers)
        self.speaker_names: dict[str, str] = {}
        self._pending: deque[np.ndarray] = deque()
        self._pending_lock = threading.Lock()
        self.received = 0  # 16 kHz samples received (the sample clock)
        self.processed = 0  # 16 kHz samples through the pipeline
        self.finals_sent = 0
        self._utterances_closed = 0
        self._partial_at = 0  # length (samples) of the open utterance at its last partial
        self._partial_shown = False

    # -- event-loop side -------------------------------------------------------------------------

    def receive_audio(self, data: bytes) -> None:
        """Decode one binary frame and queue it for :meth:`step`."""
        self._enqueue(self.decoder.decode(data))

    def end_of_audio(self) -> None:
        """The client said ``stop``: queue the decoder's tail."""
        self._enqueue(self.decoder.flush())

    def _enqueue(self, samples: np.ndarray) -> None:
        if len(samples):
            with self._pending_lock:
                self._pending.append(samples)
                self.received += len(samples)

    @property
    def lag(self) -> float:
        """Seconds of audio received but not processed yet."""
        return round((self.received - self.processed) / PIPELINE_RATE, 3)

    @property
    def has_pending(self) -> bool:
        return self.received > self.processed

    # -- worker side -----------------------------------------------------------------------------

    def _take(self, max_samples: int) -> np.ndarray:
        with self._pending_lock:
            chunks, total = [], 0
            while self._pending and total < max_samples:
                chunk = self._pending.popleft()
                if total + len(chunk) > max_samples:
                    head, tail = chunk[: max_samples - total], chunk[max_samples - total :]
                    self._pending.appendleft(tail)
                    chunk = head
                chunks.append(chunk)
                total += len(chunk)
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)

    def step(self, max_seconds: float = 1.0) -> list[Event]:
        """Run the pipeline over at most ``max_seconds`` of queued audio; return the events."""
        audio = self._take(int(max_seconds * PIPELINE_RATE))
        if not len(audio):
            return []
        self.speakers.push(audio)
        closed = self.segmenter.push(audio)
        self.processed += len(audio)
        events: list[Event] = []
        for utterance in closed:
            events.extend(self._finalize(utterance))
        self.speakers.advance()
        events.extend(self._cut_at_speaker_change())
        events.extend(self._maybe_partial())
        events.extend(self._roster_changes())
        return events

    def finish(self) -> list[Event]:
        """After ``stop`` and every queued step: close the open utterance and emit its finals."""
        events: list[Event] = []
        while self.has_pending:
            events.extend(self.step())
        for utterance in self.segmenter.flush():
            events.extend(self._finalize(utterance))
        events.extend(self._roster_changes())
        return events

    def _cut_at_speaker_change(self) -> list[Event]:
        """Finalise the open utterance's first speaker turn as soon as the next speaker is certain."""
        current = self.segmenter.current()
        if current is None:
            return []
        change = self.speakers.change_point(current.start)
        if change is None:
            return []
        events: list[Event] = []
        for utterance in self.segmenter.cut_near(change):
            events.extend(self._finalize(utterance))
        return events

    def _maybe_partial(self) -> list[Event]:
        current = self.segmenter.current()
        if current is None or not self.options.partials or self.lag > PARTIAL_MAX_LAG_S:
            return []  # catching up: finals first, partials only when live
        cfg = self.config.asr
        if len(current.audio) < cfg.partial_min_s * PIPELINE_RATE:
            return []
        if len(current.audio) - self._partial_at < cfg.partial_interval_s * PIPELINE_RATE:
            return []
        self._partial_at = len(current.audio)
        partial = self.transcriber.partial(current)
        if partial is None:
            return []
        self._partial_shown = True
        speaker = self.speakers.speaker_between(current.start / PIPELINE_RATE, current.end / PIPELINE_RATE)
        return [
            {
                "type": "partial",
                "utterance": self._utterances_closed + 1,
                "start": round(current.start / PIPELINE_RATE, 3),
                "end": round(current.end / PIPELINE_RATE, 3),
                "text": partial.text,
                "stable": partial.stable,
                "unstable": partial.unstable,
                "speaker": speaker_id(speaker) if speaker is not None else None,
            }
        ]

    def _finalize(self, utterance: Utterance) -> list[Event]:
        self._utterances_closed += 1
        self._partial_at = 0
        number = self._utterances_closed
        transcript = self.transcriber.final(utterance)
        events: list[Event] = []
        if not transcript.words:
            if self._partial_shown:  # retract the partial of an utterance that turned out empty
                events.append(
                    {
                        "type": "partial",
                        "utterance": number,
                        "start": round(utterance.start / PIPELINE_RATE, 3),
                        "end": round(utterance.end / PIPELINE_RATE, 3),
                        "text": "",
                        "stable": "",
                        "unstable": "",
                        "speaker": None,
                    }
                )
            self._partial_shown = False
            return events
        self._partial_shown = False
        self.speakers.advance_to(utterance.end)
        events.extend(self._roster_changes())

        def speaker_between(start: float, end: float) -> str | None:
            index = self.speakers.speaker_between(start, end)
            return speaker_id(index) if index is not None else None

        attribute_words(transcript.words, speaker_between)
        for turn in split_turns(transcript.words):
            self.finals_sent += 1
            speaker = turn[0].speaker
            events.append(
                {
                    "type": "final",
                    "id": self.finals_sent,
                    "utterance": number,
                    "speaker": speaker,
                    "speaker_name": self.speaker_names.get(speaker) if speaker else None,
                    "start": turn[0].start,
                    "end": turn[-1].end,
                    "text": caption_text(turn),
                    "language": transcript.language,
                    "words": [
                        {
                            "word": w.text,
                            "start": w.start,
                            "end": w.end,
                            "speaker": w.speaker,
                            "probability": w.probability,
                        }
                        for w in turn
                    ],
                }
            )
        return events

    def _roster_changes(self) -> list[Event]:
        count = self.speakers.clusters.count
        if count == len(self.speaker_names):
            return []
        for index in range(len(self.speaker_names), count):
            self.speaker_names[speaker_id(index)] = f"Speaker {index + 1}"
        return [
            {"type": "speakers", "speakers": [{"id": k, "name": v} for k, v in self.speaker_names.items()]}
        ]
