"""``parley bench --calibrate``: its pure parts, on hand-made embeddings and turns."""

from __future__ import annotations

import numpy as np

from parley.bench.calibrate import (
    LabelledEmbedding,
    centroid_similarities,
    equal_error_threshold,
    reference_speaker_at,
)


def test_reference_speaker_at_is_none_in_silence_and_overlap():
    turns = [(0.0, 2.0, "a"), (1.5, 3.0, "b")]
    assert reference_speaker_at(turns, np.array([0.5, 1.7, 2.5, 3.5])) == ["a", None, "b", None]


def test_equal_error_threshold_in_the_gap_when_separable():
    threshold, rate = equal_error_threshold(np.array([0.7, 0.8, 0.9]), np.array([0.1, 0.3]))
    assert threshold == 0.5 and rate == 0.0


def test_equal_error_threshold_with_overlapping_sets():
    same, different = np.array([0.2, 0.6, 0.7, 0.8]), np.array([0.1, 0.3, 0.65])
    threshold, rate = equal_error_threshold(same, different)
    # at 0.7: two same below (2/4), no different at or above; 0.6 gives 1/4 + 1/3, 0.65 2/4 + 1/3
    assert threshold == 0.7
    assert rate == (2 / 4 + 0) / 2


def embedding(file: str, speaker: str, vector: list[float], seconds: float = 2.0, purity: float = 1.0):
    v = np.array(vector, dtype=np.float64)
    return LabelledEmbedding(file, 0.0, speaker, purity, seconds, v / np.linalg.norm(v))


def test_centroid_similarities_leave_the_embedding_out_and_stay_in_the_file():
    embeddings = [
        embedding("f", "a", [1, 0]),
        embedding("f", "a", [1, 1]),
        embedding("f", "b", [0, 1]),
        embedding("f", "b", [-1, 1], purity=0.5),  # impure: not scored, not in a centroid
        embedding("g", "a", [0, 1]),  # another file: its own speakers
    ]
    same, different = centroid_similarities(embeddings)
    # a's two embeddings against each other (leave-one-out); b has one pure embedding: no same pair
    assert sorted(round(r["similarity"], 3) for r in same) == [0.707, 0.707]
    # each of a's against b's centroid ([0, 1]), b's against a's ([0.924, 0.383]); g has one speaker
    assert sorted(round(r["similarity"], 3) for r in different) == [0.0, 0.383, 0.707]
