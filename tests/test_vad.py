"""Utterance cutting (:class:`parley.server.vad.UtteranceSegmenter`) on real speech.

Signals are built from the bundled two-speaker sample (16 kHz, silence before ~6.6 s, speech from
there to 30 s) spliced with digital silence, so the true speech boundaries are known. A few tests
replace webrtcvad by a scripted voiced/unvoiced decision (``_scripted``) to pin the state machine
itself (onset, hangover, voiced-time accounting) independently of webrtcvad's judgement.

Tolerances follow the module's rules: an utterance starts up to ``preroll_ms`` (plus a frame)
before its first voiced frame and up to ``onset_ms`` after the speech onset; it ends
``KEEP_TRAILING_MS`` after its last voiced frame, and webrtcvad itself keeps reporting speech for
a few frames after a word ends.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable

import numpy as np
import pytest

from parley.config import VadConfig
from parley.server.vad import KEEP_TRAILING_MS, SAMPLE_RATE, Utterance, UtteranceSegmenter

SR = SAMPLE_RATE
FRAME = SR * VadConfig().frame_ms // 1000  # 480 samples
START_EARLY_S = (VadConfig().preroll_ms + VadConfig().frame_ms) / 1000  # preroll, frame-aligned
START_LATE_S = VadConfig().onset_ms / 1000  # an onset is detected within onset_ms of voiced audio
END_LATE_S = (KEEP_TRAILING_MS + 8 * VadConfig().frame_ms) / 1000  # kept silence + webrtcvad overhang


def silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * SR), dtype=np.float32)


def run(segmenter: UtteranceSegmenter, audio: np.ndarray, chunk: int | None = None) -> list[Utterance]:
    """Push ``audio`` (in chunks of ``chunk`` samples, or at once) then flush; all utterances closed."""
    chunk = chunk or len(audio)
    closed: list[Utterance] = []
    for i in range(0, len(audio), chunk):
        closed.extend(segmenter.push(audio[i : i + chunk]))
    closed.extend(segmenter.flush())
    return closed


def frames(n: int, value: float = 0.0) -> np.ndarray:
    """``n`` whole VAD frames of a constant value (0: silence)."""
    return np.full(n * FRAME, value, np.float32)


def frame_rms(audio: np.ndarray) -> np.ndarray:
    whole = len(audio) // FRAME * FRAME
    return np.sqrt(np.mean(audio[:whole].reshape(-1, FRAME) ** 2, axis=1))


def _scripted(segmenter: UtteranceSegmenter) -> UtteranceSegmenter:
    """Make a frame voiced exactly when it holds a non-zero sample (no webrtcvad judgement)."""
    segmenter._is_voiced = lambda frame: bool(np.any(frame != 0))  # type: ignore[method-assign]
    return segmenter


@pytest.fixture(scope="module")
def cut(sample_audio: np.ndarray) -> Callable[[float, float], np.ndarray]:
    """``cut(a, b)``: the sample's audio between a and b seconds."""
    return lambda a, b: sample_audio[round(a * SR) : round(b * SR)].copy()


@pytest.fixture(scope="module")
def two_utterances(cut) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """1.5 s silence, "Hello?", 2 s silence, 3.6 s of one speaker, 1.5 s silence; and the true speech.

    The reference (sample.rttm) has "Hello?" at 6.69–7.12 s; 10.6–14.2 s lies inside one turn.
    """
    audio = np.concatenate([silence(1.5), cut(6.6, 7.2), silence(2.0), cut(10.6, 14.2), silence(1.5)])
    truth = [(1.5 + 0.09, 1.5 + 0.52), (4.1, 7.7)]
    return audio, truth


def test_two_utterances_with_true_boundaries(two_utterances) -> None:
    """Exactly one utterance per stretch of speech, its start and end near the true boundaries."""
    audio, truth = two_utterances
    utterances = run(UtteranceSegmenter(VadConfig()), audio)
    assert len(utterances) == 2
    for utterance, (start, end) in zip(utterances, truth, strict=True):
        assert start - START_EARLY_S <= utterance.start / SR <= start + START_LATE_S
        assert end <= utterance.end / SR <= end + END_LATE_S
        assert np.array_equal(utterance.audio, audio[utterance.start : utterance.end])


def test_silence_and_low_noise_give_no_utterance() -> None:
    """Digital silence and white noise at -50 dBFS RMS never open an utterance."""
    noise = (np.random.default_rng(0).standard_normal(5 * SR) * 0.003).astype(np.float32)
    for audio in (silence(5.0), noise):
        segmenter = UtteranceSegmenter(VadConfig())
        assert segmenter.push(audio) == []
        assert segmenter.current() is None
        assert segmenter.flush() == []


def test_utterance_shorter_than_min_utterance_is_dropped(two_utterances) -> None:
    """With ``min_utterance_ms`` above "Hello?" (0.43 s of speech) only the long utterance remains."""
    audio, truth = two_utterances
    config = dataclasses.replace(VadConfig(), min_utterance_ms=1000)
    utterances = run(UtteranceSegmenter(config), audio)
    assert len(utterances) == 1
    assert truth[1][0] - START_EARLY_S <= utterances[0].start / SR <= truth[1][0] + START_LATE_S


def test_short_burst_dropped_only_by_min_utterance() -> None:
    """A 150 ms voiced burst opens an utterance (onset 120 ms) but is dropped as a click; with
    ``min_utterance_ms=0`` the same burst is kept (so it is the length rule that drops it)."""
    audio = np.concatenate([silence(1.0), frames(5, 0.1), silence(1.0)])
    assert run(_scripted(UtteranceSegmenter(VadConfig())), audio) == []
    kept = run(_scripted(UtteranceSegmenter(dataclasses.replace(VadConfig(), min_utterance_ms=0))), audio)
    assert len(kept) == 1


def test_onset_frames_count_as_voiced_for_min_utterance() -> None:
    """300 ms of voiced frames (>= min_utterance_ms = 250) make an utterance that is kept."""
    audio = np.concatenate([silence(1.0), frames(10, 0.1), silence(1.0)])
    utterances = run(_scripted(UtteranceSegmenter(VadConfig())), audio)
    assert len(utterances) == 1


def max_length_run(cut) -> tuple[np.ndarray, list[Utterance], VadConfig]:
    config = dataclasses.replace(VadConfig(), max_utterance_s=4.0)
    speech = cut(6.6, 30.0)
    return speech, run(UtteranceSegmenter(config), speech), config


def test_max_length_cuts_are_contiguous_and_quiet(cut) -> None:
    """Continuous speech with ``max_utterance_s=4``: utterances stay within the limit (give or take
    the frame that reaches it), forced cuts leave no gap (start == previous end), each forced cut
    lies in the last ``cut_search_s`` of its utterance and falls on a quiet frame (RMS below the
    25th percentile of that stretch's frames), and together they cover the speech."""
    speech, utterances, config = max_length_run(cut)
    assert len(utterances) >= 5
    assert all(u.duration <= config.max_utterance_s + config.frame_ms / 1000 for u in utterances)
    quiet = np.percentile(frame_rms(speech), 25)
    forced = [(a, b) for a, b in itertools.pairwise(utterances) if b.start == a.end]
    assert len(forced) >= 4
    for before, _after in forced:
        assert before.duration >= config.max_utterance_s - config.cut_search_s
        c = before.end
        assert float(np.sqrt(np.mean(speech[c - FRAME // 2 : c + FRAME // 2] ** 2))) < quiet
    for a, b in itertools.pairwise(utterances):
        assert b.start >= a.end
        gap = speech[a.end : b.start]
        assert len(gap) == 0 or float(np.sqrt(np.mean(gap**2))) < quiet  # only pauses are left out
    assert utterances[0].start <= round(0.09 * SR)  # "Hello?" at 6.69 s
    assert utterances[-1].end == len(speech)  # speech runs to the end: flush closes it
    for u in utterances:
        assert np.array_equal(u.audio, speech[u.start : u.end])


def test_max_length_never_exceeded(cut) -> None:
    """Every utterance is at most ``max_utterance_s`` long, as the module and config document."""
    _, utterances, config = max_length_run(cut)
    assert max(u.duration for u in utterances) <= config.max_utterance_s


@pytest.mark.parametrize("chunk", [1, 479, 480, 3200, 16000])
def test_chunking_invariance(two_utterances, cut, chunk: int) -> None:
    """The utterances (start and audio) do not depend on how the stream is chunked."""
    audio, _ = two_utterances
    audio = np.concatenate([audio, cut(18.0, 30.0)])  # ends in speech: the open one is flushed
    reference = run(UtteranceSegmenter(VadConfig()), audio)
    chunked = run(UtteranceSegmenter(VadConfig()), audio, chunk)
    assert len(reference) >= 3 and reference[-1].end == len(audio)
    assert [u.start for u in chunked] == [u.start for u in reference]
    for a, b in zip(chunked, reference, strict=True):
        assert np.array_equal(a.audio, b.audio)


def test_flush_closes_open_utterance_with_remainder(cut) -> None:
    """Audio ending in speech leaves an utterance open; ``flush`` closes it including the samples
    that do not fill a whole frame, and a second flush returns nothing."""
    audio = np.concatenate([silence(1.0), cut(10.6, 14.2)[:-123]])
    assert len(audio) % FRAME != 0
    segmenter = UtteranceSegmenter(VadConfig())
    assert segmenter.push(audio) == []
    assert segmenter.in_speech
    (last,) = segmenter.flush()
    assert last.end == len(audio)
    assert 1.0 - START_EARLY_S <= last.start / SR <= 1.0 + START_LATE_S
    assert segmenter.current() is None and not segmenter.in_speech
    assert segmenter.flush() == []


def test_current_reflects_open_utterance(two_utterances) -> None:
    """``current()`` is None between utterances; while one is open it starts where the closed
    utterance will start and holds a prefix of its audio."""
    audio, _ = two_utterances
    segmenter = UtteranceSegmenter(VadConfig())
    assert segmenter.push(audio[:SR]) == [] and segmenter.current() is None
    middle = round(5.5 * SR)  # inside the second stretch of speech
    closed = segmenter.push(audio[SR:middle])
    assert len(closed) == 1  # "Hello?" closed
    open_now = segmenter.current()
    assert open_now is not None
    assert open_now.end <= middle and open_now.end > middle - FRAME
    final = run(segmenter, audio[middle:])
    assert len(final) == 1
    assert final[0].start == open_now.start
    assert np.array_equal(final[0].audio[: len(open_now.audio)], open_now.audio)
    assert segmenter.current() is None


def test_cut_between_cuts_in_range_and_keeps_lead_in(cut) -> None:
    """``cut_between(first, last, lead_in_ms)`` cuts after the quietest frame of [first, last]
    (so within (first, last + frame]) and the open utterance then starts ``lead_in_ms`` before
    the cut, with the stream's audio from there on."""
    audio = np.concatenate([silence(1.0), cut(10.6, 14.2)])
    segmenter = UtteranceSegmenter(VadConfig())
    segmenter.push(audio)
    start = segmenter.current().start
    first, last = start + round(1.0 * SR), start + round(2.2 * SR)
    lead_in_ms = 300
    c = segmenter.cut_between(first, last, lead_in_ms)
    assert first < c <= last + FRAME
    assert (c - start) % FRAME == 0
    inside = frame_rms(audio[first + (-first % FRAME) : last - last % FRAME])
    cut_frame_rms = float(np.sqrt(np.mean(audio[c - FRAME : c] ** 2)))
    assert cut_frame_rms <= inside.min() + 1e-7  # the quietest frame in the range ends at the cut
    assert cut_frame_rms < np.median(inside)
    now = segmenter.current()
    assert now.start == c - lead_in_ms * SR // 1000
    assert np.array_equal(now.audio, audio[now.start : now.end])
    assert now.end == len(audio) // FRAME * FRAME
    (rest,) = segmenter.flush()
    assert rest.start == now.start and rest.end == len(audio)


def test_cut_between_without_lead_in_and_without_open_utterance(cut) -> None:
    """With no lead-in the open utterance starts exactly at the cut; between utterances nothing
    is cut and ``first`` is returned."""
    segmenter = UtteranceSegmenter(VadConfig())
    assert segmenter.cut_between(1000, 2000, 300) == 1000
    segmenter.push(np.concatenate([silence(1.0), cut(10.6, 14.2)]))
    start = segmenter.current().start
    c = segmenter.cut_between(start + SR, start + 2 * SR)
    assert segmenter.current().start == c


def test_trailing_silence_ms_counts_unvoiced_frames() -> None:
    """``trailing_silence_ms`` counts the unvoiced frames at the end of the open utterance, resets
    on a voiced frame, and the utterance closes once it reaches ``hangover_ms``, keeping
    ``KEEP_TRAILING_MS`` (whole frames) after the last voiced frame."""
    config = VadConfig()
    segmenter = _scripted(UtteranceSegmenter(config))
    assert segmenter.push(np.concatenate([frames(16), frames(20, 0.1)])) == []
    assert segmenter.trailing_silence_ms == 0
    segmenter.push(frames(5))
    assert segmenter.trailing_silence_ms == 5 * config.frame_ms
    segmenter.push(frames(1, 0.1))
    assert segmenter.trailing_silence_ms == 0
    hangover_frames = -(-config.hangover_ms // config.frame_ms)
    assert segmenter.push(frames(hangover_frames - 1)) == []
    assert segmenter.trailing_silence_ms == (hangover_frames - 1) * config.frame_ms
    (closed,) = segmenter.push(frames(1))
    last_voiced_end = (16 + 20 + 5 + 1) * FRAME
    assert closed.end == last_voiced_end + KEEP_TRAILING_MS // config.frame_ms * FRAME
    assert closed.start == (16 + 4) * FRAME - config.preroll_ms * SR // 1000  # onset at 4th voiced frame
    assert segmenter.current() is None and segmenter.trailing_silence_ms == 0
