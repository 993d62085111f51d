"""One streaming session: audio in on the sample clock, caption events out.

A :class:`Session` holds all per-session state (decoder, VAD, ASR hypothesis, speaker clusters) and
no socket, thread or clock. The server calls :meth:`Session.receive_audio` on the event loop (cheap:
decode and queue) and :meth:`Session.step` in a worker thread (the model work). Events are plain
dicts in the wire format of ``docs/protocol.md``, minus ``lag``, which the server adds on sending.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from parley.config import Config
from parley.server import messages
from parley.server.audio import DEMUX_JOIN_S, PIPELINE_RATE, make_decoder
from parley.server.captions import attribute_words, caption_text, majority_speaker, split_turns
from parley.server.engine import Engine
from parley.server.messages import SessionOptions
from parley.server.speakers import SpeakerTracker, speaker_id
from parley.server.transcribe import Partial, UtteranceTranscriber, Word, commit_boundary
from parley.server.vad import Utterance, UtteranceSegmenter

Event = dict[str, Any]


@dataclass
class RecentFinal:
    """A final still inside the speakers' revision horizon: its words, as sent, and how often revised."""

    event: Event  # a copy of the final as sent, kept up to date with its revisions
    words: list[Word]
    revisions: int = 0


STEP_BLOCK = 480  # samples (30 ms): the pipeline advances in whole blocks, so its decisions (partials,
#                   commits, speaker windows) fall at the same stream positions however audio arrives
PARTIAL_SKIP_SILENCE_MS = 150  # no partial while the open utterance ends in this much silence
COMMIT_LEAD_IN_MS = 300  # audio before a commit cut that the next decodes still hear


class Session:
    """The pipeline of one stream: VAD cut -> ASR -> speakers -> captions."""

    def __init__(self, engine: Engine, config: Config, options: SessionOptions, session_id: str) -> None:
        self.session_id = session_id
        # nobody listens to it now (detached, or flushing after its client left): its model calls
        # rank below every live session's (server/scheduler.py, Priority.BACKGROUND)
        self.background = False
        self.config = config
        self.options = options
        # a compressed stream's decoded audio waits in its decoder (at most audio.max_lag_s of it) until
        # taken; limits.max_session_s of it is decoded at most
        self.decoder = make_decoder(
            options.encoding,
            options.sample_rate,
            options.channels,
            max_buffered_s=config.audio.max_lag_s,
            max_s=config.limits.max_session_s,
        )
        self.segmenter = UtteranceSegmenter(config.vad)
        self.transcriber = UtteranceTranscriber(
            engine, config.asr, options.language, options.task, options.keyterms
        )
        speakers_config = config.speakers
        if options.max_speakers is not None:
            speakers_config = dataclasses.replace(speakers_config, max_speakers=options.max_speakers)
        self.speakers = SpeakerTracker(engine, speakers_config)
        self.speaker_names: dict[str, str] = {}
        self._names_lock = threading.RLock()  # speaker_names: the worker adds, the event loop renames
        self._pending: deque[np.ndarray] = deque()
        self._pending_lock = threading.Lock()
        self.received = 0  # 16 kHz samples received (the sample clock)
        self.processed = 0  # 16 kHz samples through the pipeline
        self.finals_sent = 0
        self._utterances_closed = 0
        self._partial_at = 0  # length (samples) of the open utterance at its last partial
        self._partial_shown = False
        self._ended = False  # end_of_audio() was called
        self._recent: deque[RecentFinal] = deque()  # finals the speaker tracker may still revise
        self._labels_seen = (0, 0)  # SpeakerTracker.labels_version the recent finals were checked against
        self.speaker_updates = 0  # speaker_update events sent
        self._speech_open = False  # an utterance is open (for speech_started, with options.endpoints)

    # -- event-loop side -------------------------------------------------------------------------

    def receive_audio(self, data: bytes) -> None:
        """Decode one binary frame and queue it for :meth:`step` (raises
        :class:`~parley.server.audio.AudioDecodeError` on undecodable audio)."""
        self._enqueue(self.decoder.decode(data))

    def end_of_audio(self) -> None:
        """The client said ``stop``: queue the decoder's tail; the last partial block may now run."""
        if not self._ended:
            self._ended = True
            self._enqueue(self.decoder.flush())

    def _enqueue(self, samples: np.ndarray) -> None:
        if len(samples):
            with self._pending_lock:
                self._pending.append(samples)
                self.received += len(samples)

    @property
    def lag(self) -> float:
        """Seconds of audio received but not processed yet (with what waits in the decoder)."""
        return round((self.received - self.processed + self.decoder.available) / PIPELINE_RATE, 3)

    @property
    def has_pending(self) -> bool:
        """A whole block (or, after :meth:`end_of_audio`, anything, or a demuxer still decoding the
        stream's end) is waiting for :meth:`step`."""
        waiting = self.received - self.processed + self.decoder.available
        return waiting >= STEP_BLOCK or (self._ended and (waiting > 0 or self.decoder.running))

    @property
    def ack(self) -> int:
        """Whole samples (per channel, at the client's rate) received: a resumed client resends after them."""
        return self.decoder.input_samples

    def detach(self) -> None:
        """The socket dropped: bytes of an incomplete sample are forgotten (they will be resent)."""
        self.decoder.drop_partial_sample()

    # -- worker side -----------------------------------------------------------------------------

    def _take(self, max_samples: int) -> np.ndarray:
        short = self.received - self.processed < max_samples  # pull no more than a step needs
        if short and (self.decoder.available or self.decoder.running):  # a compressed stream's audio
            wait = self._ended and self.received == self.processed
            self._enqueue(self.decoder.take(DEMUX_JOIN_S if wait else 0.0))
            if wait and self.received == self.processed and self.decoder.running:
                self.decoder.close()  # nothing decoded for DEMUX_JOIN_S at the end: give up
        with self._pending_lock:
            if not self._ended:  # whole blocks only, until the end of the stream
                waiting = self.received - self.processed
                max_samples = min(max_samples, waiting) // STEP_BLOCK * STEP_BLOCK
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
        with self.transcriber.engine.serving(self.session_id, self.background):
            return self._step(max_seconds)

    def _step(self, max_seconds: float) -> list[Event]:
        audio = self._take(int(max_seconds * PIPELINE_RATE))
        if not len(audio):
            return []
        self.speakers.push(audio)
        events: list[Event] = []
        for offset in range(0, len(audio), STEP_BLOCK):
            block = audio[offset : offset + STEP_BLOCK]
            started = time.perf_counter()
            closed = self.segmenter.push(block)
            self.transcriber.engine.account("vad", started)
            self.processed += len(block)
            for utterance in closed:
                events.extend(self._finalize(utterance))
            events.extend(self._speech_started())
            self.speakers.advance(until=self.processed)
            events.extend(self._roster_changes())
            events.extend(self._speaker_updates())
            events.extend(self._maybe_partial())
        return events

    def finish(self) -> list[Event]:
        """After ``stop`` and every queued step: close the open utterance and emit its finals."""
        with self.transcriber.engine.serving(self.session_id, self.background):
            return self._finish()

    def _finish(self) -> list[Event]:
        events: list[Event] = []
        while self.has_pending:
            events.extend(self._step(1.0))
        for utterance in self.segmenter.flush():
            events.extend(self._finalize(utterance))
        events.extend(self._roster_changes())
        events.extend(self._speaker_updates())
        return events

    def finalize(self) -> list[Event]:
        """Flush now and go on (a client's finalize): process the whole blocks received, close the
        open utterance and emit its finals (the last one marked ``endpoint``)."""
        with self.transcriber.engine.serving(self.session_id, self.background):
            return self._finalize_now()

    def _finalize_now(self) -> list[Event]:
        events: list[Event] = []
        while self.has_pending:
            events.extend(self._step(1.0))
        for utterance in self.segmenter.close_open():
            events.extend(self._finalize(utterance))
        self._speech_open = False
        events.extend(self._roster_changes())
        events.extend(self._speaker_updates())
        return events

    def _speech_started(self) -> list[Event]:
        """``speech_started`` when an utterance opens (only where the session asked for endpoints)."""
        since = self.segmenter.open_since
        was_open, self._speech_open = self._speech_open, since is not None
        if since is None or was_open or not self.options.endpoints:
            return []
        return [messages.SpeechStarted(round(since / PIPELINE_RATE, 3)).wire()]

    def _maybe_partial(self) -> list[Event]:
        current = self.segmenter.current()
        if current is None or not self.options.partials:
            return []
        behind = self.config.asr.skip_partials_behind_s
        if behind is not None and self.lag > behind:
            return []  # catching up: finals first, partials only when live
        cfg = self.config.asr
        if len(current.audio) < cfg.partial_min_s * PIPELINE_RATE:
            return []
        if len(current.audio) - self._partial_at < cfg.partial_interval_s * PIPELINE_RATE:
            return []
        if self.segmenter.trailing_silence_ms >= PARTIAL_SKIP_SILENCE_MS:
            return []  # the utterance is probably closing: keep the CPU for its final
        self._partial_at = len(current.audio)
        partial = self.transcriber.partial(current)
        if partial is None:
            return []
        events = self._commit_agreed(current, partial)
        if not partial.words:
            return events
        self._partial_shown = True
        first, last = partial.words[0].start, partial.words[-1].end
        speaker = self.speakers.speaker_between(first, last)
        label = speaker_id(speaker) if speaker is not None else None
        number = self._utterances_closed + 1
        events.append(
            messages.Partial(
                number, first, last, partial.text, partial.stable, partial.unstable, label
            ).wire()
        )
        return events

    def _commit_agreed(self, current: Utterance, partial: Partial) -> list[Event]:
        """Finalise the agreed words of a long open utterance (see :func:`commit_boundary`);
        ``partial`` keeps the rest."""
        last = commit_boundary(partial, current.duration, current.end / PIPELINE_RATE, self.config.asr)
        if last is None:
            return []
        committed, rest = partial.words[: last + 1], partial.words[last + 1 :]
        cut = self.segmenter.cut_between(
            round(committed[-1].end * PIPELINE_RATE), round(rest[0].start * PIPELINE_RATE), COMMIT_LEAD_IN_MS
        )
        self.transcriber.commit(committed, cut / PIPELINE_RATE)
        self._utterances_closed += 1
        self._partial_at = max(0, self._partial_at - (cut - current.start))
        self.transcriber.reset(carry_over=rest)
        partial.words, partial.stable_words = rest, max(0, partial.stable_words - len(committed))
        self._partial_shown = False
        return self._emit_finals(committed, self.transcriber.current_language, self._utterances_closed, cut)

    def _finalize(self, utterance: Utterance) -> list[Event]:
        """A closed utterance: decode it once more, carefully, and emit its finals."""
        self._utterances_closed += 1
        self._partial_at = 0
        number = self._utterances_closed
        transcript = self.transcriber.final(utterance)
        events: list[Event] = []
        change = transcript.language_change
        if change is not None:
            events.append(
                messages.Language(change.language, change.reason, change.probability, change.speech_s).wire()
            )
        if not transcript.words and self._partial_shown:  # retract the partial of an empty utterance
            start, end = round(utterance.start / PIPELINE_RATE, 3), round(utterance.end / PIPELINE_RATE, 3)
            events.append(messages.Partial(number, start, end, "", "", "", None).wire())
        self._partial_shown = False
        if transcript.words:
            events.extend(
                self._emit_finals(transcript.words, transcript.language, number, utterance.end, endpoint=True)
            )
        return events

    def _emit_finals(
        self, words: list[Word], language: str | None, utterance: int, end: int, endpoint: bool = False
    ) -> list[Event]:
        """One final per speaker turn of ``words`` (speech up to stream sample ``end``); with
        ``options.endpoints``, the last one carries ``endpoint`` (it ends a closed utterance)."""
        self.transcriber.remember(words)
        self.speakers.advance_to(end)
        events = self._roster_changes()

        attribute_words(words, self._speaker_between)
        self._labels_seen = self.speakers.labels_version  # these words carry the current labels
        turns = split_turns(words)
        for index, turn in enumerate(turns):
            self.finals_sent += 1
            speaker = turn[0].speaker
            words_out = tuple(
                messages.FinalWord(w.text, w.start, w.end, w.speaker, w.probability) for w in turn
            )
            final = messages.Final(
                id=self.finals_sent,
                utterance=utterance,
                speaker=speaker,
                speaker_name=self.speaker_names.get(speaker) if speaker else None,
                start=turn[0].start,
                end=turn[-1].end,
                text=caption_text(turn),
                language=language,
                words=words_out,
                endpoint=(endpoint and index == len(turns) - 1) if self.options.endpoints else None,
            )
            wire = final.wire()
            events.append(wire)
            self._recent.append(RecentFinal(copy.deepcopy(wire), [dataclasses.replace(w) for w in turn]))
        return events

    def _speaker_between(self, start: float, stop: float) -> str | None:
        index = self.speakers.speaker_between(start, stop)
        return speaker_id(index) if index is not None else None

    def _speaker_updates(self) -> list[Event]:
        """``speaker_update`` for each recent final whose words' speakers changed since it was sent.

        Labels change under a final when a committed window relabels audio a provisional one had
        labelled (the final could not wait for the grid), and when re-clustering rewrites the
        horizon. Finals that ended more than ``speakers.revision_horizon_s`` before the processed
        audio are settled and forgotten; a final changes at most ``speakers.max_revisions_per_final``
        times.
        """
        cfg = self.config.speakers
        settled = self.processed / PIPELINE_RATE - cfg.revision_horizon_s
        while self._recent and self._recent[0].event["end"] < settled:
            self._recent.popleft()
        if self.speakers.labels_version == self._labels_seen:
            return []
        self._labels_seen = self.speakers.labels_version
        events: list[Event] = []
        for recent in self._recent:
            if recent.revisions >= cfg.max_revisions_per_final:
                continue
            before = [w.speaker for w in recent.words]
            attribute_words(recent.words, self._speaker_between)
            after = [w.speaker for w in recent.words]
            if after == before or None in after:
                for word, speaker in zip(recent.words, before, strict=True):
                    word.speaker = speaker
                continue
            recent.revisions += 1
            speaker = majority_speaker(recent.words)
            with self._names_lock:
                name = self.speaker_names.get(speaker) if speaker else None
            recent.event["speaker"], recent.event["speaker_name"] = speaker, name
            for entry, word in zip(recent.event["words"], recent.words, strict=True):
                entry["speaker"] = word.speaker
            self.speaker_updates += 1
            update = messages.SpeakerUpdate(recent.event["id"], speaker, name, tuple(after), recent.revisions)
            events.append(update.wire())
        return events

    def rename_speaker(self, speaker: str, name: str) -> Event:
        """The client named a speaker: later finals carry the name; returns the new roster."""
        with self._names_lock:
            self.speaker_names[speaker] = name
            return self.roster()

    def speaker_ids(self) -> list[str]:
        """The ids of the speakers so far (a copy: the worker thread may be adding one)."""
        with self._names_lock:
            return list(self.speaker_names)

    def roster(self) -> Event:
        with self._names_lock:
            return messages.roster(self.speaker_names)

    def _roster_changes(self) -> list[Event]:
        count = self.speakers.clusters.count
        with self._names_lock:
            if count == len(self.speaker_names):
                return []
            for index in range(len(self.speaker_names), count):
                self.speaker_names[speaker_id(index)] = f"Speaker {index + 1}"
            return [self.roster()]
