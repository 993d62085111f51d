"""End to end: the two-speaker sample at real-time pace through a real server over loopback."""

from __future__ import annotations

import json
import statistics

import pytest

from parley.client.stream import iter_pcm_chunks, stream_audio
from tests.scoring import (
    diarization_error_rate,
    finals_annotation,
    rttm_annotation,
    stm_text,
    word_error_rate,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
async def realtime_result(server, sample_audio, sample, artifacts):
    result = await stream_audio(server.url, iter_pcm_chunks(sample_audio, chunk_ms=100), speed=1.0)
    latencies = sorted(final["emitted_at"] - final["end"] for final in result.finals)
    metrics = {
        "wer": word_error_rate(stm_text(sample.stm), " ".join(final["text"] for final in result.finals)),
        "der": diarization_error_rate(rttm_annotation(sample.rttm), finals_annotation(result.finals)),
        "speakers": sorted(result.speakers),
        "latency_final_median": statistics.median(latencies),
        "latency_final_max": latencies[-1],
        "finals": len(result.finals),
    }
    (artifacts / "sample_metrics.json").write_text(json.dumps(metrics, indent=1))
    (artifacts / "sample_realtime.json").write_text(
        json.dumps(
            {"finals": result.finals, "partials": result.partials, "speakers": result.speakers}, indent=1
        )
    )
    return result


async def test_sample_words_match_reference(realtime_result, sample):
    hypothesis = " ".join(final["text"] for final in realtime_result.finals)
    wer = word_error_rate(stm_text(sample.stm), hypothesis)
    print(f"WER {wer:.3f}: {hypothesis}")
    # 0.185 measured here (AMD EPYC, ctranslate2 4.8.5, int8); the same pipeline spreads over
    # 0.148-0.210 under perturbations as large as a machine's (tests/test_accuracy_spread.py, whose
    # bound this is: the spread's maximum plus 2.5 of the sample's 81 words). The old bound, 0.20,
    # sat inside the spread of the old pipeline (0.160-0.247) and failed on a fresh install.
    assert wer <= 0.24


async def test_sample_speakers_match_reference(realtime_result, sample):
    scores = diarization_error_rate(rttm_annotation(sample.rttm), finals_annotation(realtime_result.finals))
    print("DER", scores)
    assert scores["diarization error rate"] <= 0.25
    assert len({final["speaker"] for final in realtime_result.finals}) == 2
    assert set(realtime_result.speakers) == {"S1", "S2"}


async def test_sample_final_latency(realtime_result):
    latencies = [final["emitted_at"] - final["end"] for final in realtime_result.finals]
    print("final latencies", [round(x, 2) for x in latencies])
    assert statistics.median(latencies) <= 2.0


async def test_sample_messages_follow_protocol(realtime_result):
    finals = realtime_result.finals
    assert [f["id"] for f in finals] == list(range(1, len(finals) + 1))
    assert realtime_result.done is not None and realtime_result.done["finals"] == len(finals)
    for final in finals:
        assert final["start"] <= final["end"]
        assert final["speaker_name"] == f"Speaker {final['speaker'][1:]}"
        assert "lag" in final and final["lag"] >= 0
        assert final["words"], final
        for word in final["words"]:
            assert set(word) >= {"word", "start", "end", "speaker", "probability"}
        if "revision" not in final:  # as emitted: one speaker turn; a speaker_update may mix its words
            assert {word["speaker"] for word in final["words"]} == {final["speaker"]}
            assert final["start"] <= word["start"] <= word["end"] <= final["end"]
    starts = [f["start"] for f in finals]
    assert starts == sorted(starts)
    # partials came while utterances were growing, before their finals
    assert realtime_result.partials, "no partial captions at real-time pace"
    assert any(p["stable"] for p in realtime_result.partials)
