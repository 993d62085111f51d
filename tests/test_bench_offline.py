"""The offline baseline of `parley bench`: pyannote's pipeline, then Whisper, on Parley's own models."""

from __future__ import annotations

import pytest
from pyannote.core import Annotation, Segment

from parley.bench.offline import OfflineResult, assign_speakers, run_offline
from tests.scoring import diarization_error_rate, rttm_annotation, stm_text, word_error_rate


def test_words_go_to_the_speaker_overlapping_them_most():
    turns = [(0.0, 2.0, "A"), (1.5, 4.0, "B"), (6.0, 8.0, "A"), (6.5, 7.0, "B"), (7.0, 7.5, "B")]
    words = [
        (0.5, 1.0),  # inside A only
        (1.6, 2.4),  # A 0.4 s, B 0.8 s
        (1.2, 2.0),  # A 0.8 s, B 0.5 s
        (4.5, 4.9),  # in a gap: the nearest turn ends at 4.0 (B), the next starts at 6.0 (A)
        (5.2, 5.9),  # in the gap, nearer A's turn at 6.0
        (6.5, 7.5),  # A 1.0 s, B 0.5 + 0.5 s: a tie between A and B -> the earlier nearest turn, A
        (9.0, 9.5),  # after everything: the last-ending turn is A's
        (-1.0, -0.5),  # before everything
    ]
    assert assign_speakers(words, turns) == ["A", "B", "A", "B", "A", "A", "A", "A"]
    # order of the turns does not matter
    assert assign_speakers(words, list(reversed(turns))) == assign_speakers(words, turns)


def test_a_word_spanning_several_turns_of_one_speaker_sums_them():
    turns = [(0.0, 1.0, "A"), (1.0, 1.3, "B"), (1.3, 1.6, "A"), (1.6, 1.9, "B"), (1.9, 3.0, "A")]
    # B overlaps it for 0.6 s in two pieces, A for 0.5 s in three
    assert assign_speakers([(0.9, 2.0)], turns) == ["B"]


def test_no_turns_no_speaker():
    assert assign_speakers([(0.0, 1.0)], []) == [None]
    assert assign_speakers([], [(0.0, 1.0, "A")]) == []


@pytest.fixture(scope="module")
def result(engine, sample_audio) -> OfflineResult:
    """The offline baseline over the pyannote sample, on the real models (run once)."""
    return run_offline(sample_audio, engine, language="en")


@pytest.mark.slow
def test_two_speakers(result):
    assert len({label for _, _, label in result.turns}) == 2
    assert len({word.speaker for word in result.words}) == 2


@pytest.mark.slow
def test_diarization_matches_reference(result, sample):
    hypothesis = Annotation()
    for index, (start, end, label) in enumerate(result.turns):
        hypothesis[Segment(start, end), index] = label
    scores = diarization_error_rate(rttm_annotation(sample.rttm), hypothesis)
    print("DER", scores)
    assert scores["diarization error rate"] <= 0.15


@pytest.mark.slow
def test_words_match_reference(result, sample):
    hypothesis = " ".join(word.text for word in result.words)
    wer = word_error_rate(stm_text(sample.stm), hypothesis)
    print(f"WER {wer:.3f}: {hypothesis}")
    assert wer <= 0.25


@pytest.mark.slow
def test_every_word_has_a_speaker_and_sane_times(result, sample_audio):
    duration = len(sample_audio) / 16000
    assert result.words
    labels = {label for _, _, label in result.turns}
    for word in result.words:
        assert word.speaker in labels, word
        assert 0.0 <= word.start <= word.end <= duration + 0.5, word
        assert 0.0 <= word.probability <= 1.0
        assert word.text and word.text == word.text.strip()
    starts = [word.start for word in result.words]
    assert starts == sorted(starts)


@pytest.mark.slow
def test_timings_and_language(result):
    assert result.language == "en"
    assert result.asr_seconds > 0 and result.diarization_seconds > 0
    print(f"diarization {result.diarization_seconds:.1f} s, ASR {result.asr_seconds:.1f} s")


@pytest.mark.slow
def test_engine_models_stay_put(result, engine):
    # the pipeline moves the embedding model to CPU while it is built, then back
    assert str(next(engine.embedding.parameters()).device).startswith(engine.device)
    assert not engine.embedding.training and not engine.segmentation.training
