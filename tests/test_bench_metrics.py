"""The benchmark's metrics on hand-made cases with known answers."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from pyannote.core import Annotation

from parley.bench.metrics import (
    StmSegment,
    annotation_from_turns,
    cpwer,
    diarization_error,
    load_rttm,
    load_stm,
    normalise_words,
    percentile,
    speaker_count_error,
    stm_text,
    stm_words_by_speaker,
    word_error_rate,
    word_errors,
)

# The reference conversation used throughout: A speaks 0-4 s, B 4-7 s, A again 7-10 s.
REFERENCE_TURNS = [(0.0, 4.0, "A"), (4.0, 7.0, "B"), (7.0, 10.0, "A")]
REFERENCE_TEXT = {"A": "The cat sat on the mat. Good night!", "B": "Hello there, friend."}
REFERENCE_WORDS = 11  # 8 for A, 3 for B


def reference() -> Annotation:
    return annotation_from_turns(REFERENCE_TURNS)


# ------------------------------------------------------------------------------------------------ text


def test_normalise_words_strips_punctuation_and_keeps_apostrophes() -> None:
    words = normalise_words("Didn't he say: 'Hello, World!'?")
    assert words == ["didn't", "he", "say", "'hello", "world", "'"]
    assert normalise_words("  Well--OK.  ") == ["well", "ok"]
    assert normalise_words("") == []


def test_word_error_rate() -> None:
    assert word_error_rate("The cat sat.", "the CAT sat") == 0.0
    assert word_error_rate("the cat sat", "the cat sit") == pytest.approx(1 / 3)
    assert word_error_rate("the cat sat", "the cat sat down now") == pytest.approx(2 / 3)
    assert word_error_rate("the cat sat", "") == 1.0
    assert word_error_rate("", "") == 0.0
    assert word_error_rate("...", "") == 0.0
    assert word_error_rate("", "words appeared") == 1.0


def test_word_errors_counts_edits() -> None:
    assert word_errors(["a", "b", "c"], ["a", "x", "c", "d"]) == 2
    assert word_errors([], ["a", "b"]) == 2
    assert word_errors(["a"], []) == 1
    assert word_errors([], []) == 0


# ------------------------------------------------------------------------------------------- cpWER


def test_cpwer_perfect_and_renamed_speakers() -> None:
    assert cpwer(REFERENCE_TEXT, dict(REFERENCE_TEXT)) == 0.0
    renamed = {"spk1": REFERENCE_TEXT["B"], "spk0": REFERENCE_TEXT["A"]}
    assert cpwer(REFERENCE_TEXT, renamed) == 0.0


def test_cpwer_turn_attributed_to_the_wrong_speaker() -> None:
    # A's last turn ("good night") is attributed to B's hypothesis speaker. Best mapping X->A, Y->B:
    # A loses 2 words (2 deletions), B gains them (2 insertions): 4 errors over 11 reference words.
    # (The other mapping costs 6 + 6 = 12.)
    hypothesis = {"X": "the cat sat on the mat", "Y": "hello there friend good night"}
    assert cpwer(REFERENCE_TEXT, hypothesis) == pytest.approx(4 / REFERENCE_WORDS)


def test_cpwer_extra_hypothesis_speaker_counts_insertions() -> None:
    hypothesis = {"X": "the cat sat on the mat good night", "Y": "hello there friend", "Z": "um yes"}
    assert cpwer(REFERENCE_TEXT, hypothesis) == pytest.approx(2 / REFERENCE_WORDS)
    # A's turn split off into a third speaker: its 2 words are deleted from A and inserted as Z.
    split = {"X": "the cat sat on the mat", "Y": "hello there friend", "Z": "good night"}
    assert cpwer(REFERENCE_TEXT, split) == pytest.approx(4 / REFERENCE_WORDS)


def test_cpwer_fewer_hypothesis_speakers_counts_deletions() -> None:
    merged = {"X": "the cat sat on the mat good night"}
    assert cpwer(REFERENCE_TEXT, merged) == pytest.approx(3 / REFERENCE_WORDS)


def test_cpwer_empty_cases() -> None:
    assert cpwer(REFERENCE_TEXT, {}) == 1.0
    assert cpwer(REFERENCE_TEXT, {"X": ""}) == 1.0
    assert cpwer({}, {}) == 0.0
    assert cpwer({"A": ""}, {"X": "hello"}) == 1.0


# ------------------------------------------------------------------------------------------------ DER


def test_der_perfect_with_renamed_labels() -> None:
    renamed = {"A": "spk7", "B": "spk3"}
    hypothesis = annotation_from_turns([(start, end, renamed[who]) for start, end, who in REFERENCE_TURNS])
    for collar in (0.0, 0.5):
        result = diarization_error(reference(), hypothesis, collar=collar)
        assert result["der"] == 0.0
        assert result["missed"] == result["false_alarm"] == result["confusion"] == 0.0
    assert diarization_error(reference(), hypothesis, collar=0.0)["total"] == pytest.approx(10.0)
    assert speaker_count_error(reference(), hypothesis) == 0


def test_der_turn_attributed_to_the_wrong_speaker() -> None:
    # A's 7-10 s turn labelled as B's speaker: 3 s of confusion over 10 s.
    hypothesis = annotation_from_turns([(0.0, 4.0, "X"), (4.0, 7.0, "Y"), (7.0, 10.0, "Y")])
    result = diarization_error(reference(), hypothesis, collar=0.0)
    assert result["confusion"] == pytest.approx(3.0)
    assert result["total"] == pytest.approx(10.0)
    assert result["der"] == pytest.approx(0.3)
    assert speaker_count_error(reference(), hypothesis) == 0


def test_der_missed_segment() -> None:
    hypothesis = annotation_from_turns([(0.0, 4.0, "X"), (7.0, 10.0, "X")])
    result = diarization_error(reference(), hypothesis, collar=0.0)
    assert result["missed"] == pytest.approx(3.0)
    assert result["false_alarm"] == result["confusion"] == 0.0
    assert result["der"] == pytest.approx(3.0 / 10.0)
    # With the 0.5 s collar, 0.25 s either side of every reference boundary (0, 4, 7, 10) is not
    # scored: 8.5 s scored, of which B's 4.25-6.75 s (2.5 s) is missed.
    collared = diarization_error(reference(), hypothesis, collar=0.5)
    assert collared["total"] == pytest.approx(8.5)
    assert collared["missed"] == pytest.approx(2.5)
    assert collared["der"] == pytest.approx(2.5 / 8.5)


def test_der_collar_forgives_a_boundary_shifted_by_0_2_s() -> None:
    hypothesis = annotation_from_turns([(0.0, 4.2, "X"), (4.2, 7.0, "Y"), (7.0, 10.0, "X")])
    assert diarization_error(reference(), hypothesis, collar=0.5)["der"] == 0.0
    strict = diarization_error(reference(), hypothesis, collar=0.0)
    assert strict["confusion"] == pytest.approx(0.2)
    assert strict["der"] == pytest.approx(0.02)


def test_der_more_hypothesis_speakers() -> None:
    # A's second turn given to a third speaker Z, which has no reference speaker left to map to.
    hypothesis = annotation_from_turns([(0.0, 4.0, "X"), (4.0, 7.0, "Y"), (7.0, 10.0, "Z")])
    result = diarization_error(reference(), hypothesis, collar=0.0)
    assert result["confusion"] == pytest.approx(3.0)
    assert result["der"] == pytest.approx(0.3)
    assert speaker_count_error(reference(), hypothesis) == 1


def test_der_false_alarm_outside_the_reference_extent() -> None:
    # The scored region is the union of both extents, so speech after the reference ends counts.
    hypothesis = annotation_from_turns([*REFERENCE_TURNS, (12.0, 14.0, "B")])
    result = diarization_error(reference(), hypothesis, collar=0.0)
    assert result["false_alarm"] == pytest.approx(2.0)
    assert result["der"] == pytest.approx(0.2)


def test_der_empty_hypothesis() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = diarization_error(reference(), Annotation(), collar=0.5)
    assert result["der"] == 1.0
    assert result["missed"] == pytest.approx(result["total"])
    assert result["total"] == pytest.approx(8.5)
    assert speaker_count_error(reference(), Annotation()) == 2
    assert diarization_error(Annotation(), Annotation())["der"] == 0.0
    assert diarization_error(Annotation(), reference())["der"] == 1.0


def test_overlapping_turns_are_kept() -> None:
    annotation = annotation_from_turns([(0.0, 2.0, "A"), (1.5, 3.0, "B"), (1.0, 1.0, "C")])
    assert sorted(annotation.labels()) == ["A", "B"]
    assert annotation.label_duration("A") == pytest.approx(2.0)
    result = diarization_error(annotation, annotation.rename_labels({"A": "x", "B": "y"}), collar=0.0)
    assert result["der"] == 0.0
    assert result["total"] == pytest.approx(3.5)


# ------------------------------------------------------------------------------------------ readers


def test_load_rttm(tmp_path: Path) -> None:
    path = tmp_path / "conv.rttm"
    path.write_text(
        ";; comment\n"
        "SPEAKER conv 1 0.000 4.000 <NA> <NA> A <NA> <NA>\n"
        "SPKR-INFO conv 1 <NA> <NA> <NA> unknown A <NA> <NA>\n"
        "\n"
        "SPEAKER conv 1 4.0 3.0 <NA> <NA> B <NA> <NA>\n"
        "SPEAKER conv 1 7.0 3.0 <NA> <NA> A <NA> <NA>\n"
    )
    annotation = load_rttm(path)
    assert annotation.uri == "conv"
    assert sorted(annotation.labels()) == ["A", "B"]
    assert annotation.label_duration("A") == pytest.approx(7.0)
    assert diarization_error(reference(), annotation, collar=0.0)["der"] == 0.0


def test_load_stm_and_text(tmp_path: Path) -> None:
    path = tmp_path / "conv.stm"
    path.write_text(
        ';; CATEGORY "0" "" ""\n'
        "conv 1 A 0.000 4.000 <o,f0,male> The cat sat on the mat.\n"
        "conv 1 A 7.000 10.000 Good night!\n"
        "conv 1 B 4.000 7.000 Hello there,   friend.\n"
        "conv 1 B 11.000 12.000\n"
    )
    segments = load_stm(path)
    assert segments == [
        StmSegment("A", 0.0, 4.0, "The cat sat on the mat."),
        StmSegment("A", 7.0, 10.0, "Good night!"),
        StmSegment("B", 4.0, 7.0, "Hello there, friend."),
        StmSegment("B", 11.0, 12.0, ""),
    ]
    assert stm_text(segments) == "The cat sat on the mat. Hello there, friend. Good night!"
    by_speaker = stm_words_by_speaker(segments)
    assert by_speaker == {"A": "The cat sat on the mat. Good night!", "B": "Hello there, friend."}
    assert cpwer(by_speaker, REFERENCE_TEXT) == 0.0


# ---------------------------------------------------------------------------------------- percentile


def test_percentile_matches_numpy_linear_interpolation() -> None:
    assert percentile([], 50) is None
    assert percentile([3.0], 95) == 3.0
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 2.5
    assert percentile(values, 90) == pytest.approx(3.7)
    assert percentile(values, 100) == 4.0
    assert percentile(iter(values), 25) == pytest.approx(float(np.percentile(values, 25)))
    with pytest.raises(ValueError):
        percentile(values, 101)
