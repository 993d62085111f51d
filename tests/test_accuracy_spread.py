"""Accuracy that holds on every machine: the sample under perturbations no listener would notice.

int8 Whisper output differs between CPUs and CTranslate2 releases, so one run on one machine is
one draw. These runs shift the sample's start by 0-30 ms (the 30 ms pipeline blocks fall elsewhere
in the speech, as with a microphone that opens at another instant) through the real pipeline,
in process (it is pace-independent: captions depend on the audio only). ``parley bench --spread``
measures the same over gains and compute types; its figures are in the README.
"""

from __future__ import annotations

import json
import statistics

import pytest

from parley.bench.runner import BenchFile
from parley.bench.spread import Perturbation, markdown, perturbations, score_run, stream_in_process, summarise

OFFSETS_MS = (0, 10, 20, 30)


@pytest.mark.slow
def test_sample_wer_and_speakers_hold_under_start_offsets(engine, config, sample, sample_audio, artifacts):
    """Measured (AMD EPYC, ctranslate2 4.8.5, int8, 2026-12-01): WER 0.185 / 0.160 / 0.160 / 0.185 at
    offsets 0 / 10 / 20 / 30 ms; ``parley bench --spread`` over 16 perturbations (these offsets x
    gains 1, 0.8 x int8, float32): 0.148-0.210, median 0.173. One word of the sample's 81 is 0.012.
    Bounds: every run <= 0.24 (the spread's maximum plus 2.5 words), the median <= 0.21 (its
    median plus 3 words). Before commits were limited to agreed words (and partials used beam 2)
    int8 runs spread over 0.160-0.247: a one-token change on a fresh install failed the old 0.20."""
    file = BenchFile("sample", sample.wav, sample.rttm, sample.stm)
    runs = []
    for offset in OFFSETS_MS:
        variant = Perturbation(offset_ms=offset, compute_type=config.models.compute_type)
        finals = stream_in_process(engine, config, variant.apply(sample_audio))
        runs.append({"offset_ms": offset, **score_run(finals, file, offset / 1000)})
    (artifacts / "sample_spread.json").write_text(json.dumps(runs, indent=1))
    wers = [run["wer"] for run in runs]
    print("WER by start offset", dict(zip(OFFSETS_MS, wers, strict=True)))
    assert max(wers) <= 0.24
    assert statistics.median(wers) <= 0.21
    # Speakers, after revisions (what a client holds): measured DER 0.067 / 0.072 / 0.097 / 0.067,
    # 2 speakers at every offset. Before re-clustering: 0.067 / 0.245 / 0.256 / 0.095 with 3
    # speakers at 10-30 ms (a first window pooling both voices founded a third).
    ders = [run["der"] for run in runs]
    print("DER by start offset", dict(zip(OFFSETS_MS, ders, strict=True)))
    assert [run["speakers"] for run in runs] == [2, 2, 2, 2]
    assert max(ders) <= 0.13  # the maximum (0.097) plus ~1 s of the sample's 25 s of speech


def test_perturbations_cover_every_combination():
    variants = perturbations(offsets_ms=(0, 10), gains=(1.0, 0.8), compute_types=("int8", "float32"))
    assert len(variants) == 8 and len(set(variants)) == 8
    # grouped by compute type: each group loads its models once
    assert [v.compute_type for v in variants] == ["int8"] * 4 + ["float32"] * 4


def test_perturbation_shifts_and_scales_audio():
    import numpy as np

    audio = np.full(16000, 0.5, dtype=np.float32)
    shifted = Perturbation(offset_ms=20, gain=0.8).apply(audio)
    assert len(shifted) == 16000 + 320
    assert not shifted[:320].any()
    assert np.allclose(shifted[320:], 0.4)


def test_spread_table_states_range_and_speakers():
    base = {"file": "a", "gain": 1.0, "compute_type": "int8"}
    runs = [
        {**base, "offset_ms": 0, "wer": 0.2, "der": 0.05, "speakers": 2},
        {**base, "offset_ms": 10, "wer": 0.1, "der": 0.30, "speakers": 3},
        {**base, "offset_ms": 20, "wer": 0.4, "der": 0.10, "speakers": 2},
    ]
    assert summarise(runs, "wer") == {"min": 0.1, "median": 0.2, "max": 0.4}
    machine = {"date": "d", "cores": 2, "cpu": "AMD EPYC", "ctranslate2": "4.8.5", "torch": "2.11.0"}
    spread = {"a": {key: summarise(runs, key) for key in ("wer", "der")}}
    result = {"machine": machine, "runs": runs, "spread": spread}
    table = markdown(result, "parley bench --spread")
    assert "| a | 0.100 / 0.200 / 0.400 | 0.050 / 0.100 / 0.300 | 2, 3 |" in table
    assert "AMD EPYC" in table and "ctranslate2 4.8.5" in table and "3 perturbations" in table
