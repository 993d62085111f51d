"""Speaker revisions: re-clustering recent window embeddings, and ``speaker_update`` end to end.

Measured on the sample (in process, default config, 2026-12-01, AMD EPYC): with a 10 ms start
offset the online decisions found a third speaker from the first window, which pools both phone
voices (label timeline DER 0.245, 3 speakers without re-clustering); re-clustering revises it to 2
speakers (timeline DER 0.059). As captions: DER 0.245 as emitted, 0.072 after its 5
`speaker_update`s. Speaker labels depend on the audio and the window grid only, not on Whisper (its
word times decide which labels a caption takes, so caption figures move a little with the CPU).
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from parley.bench import metrics
from parley.client import formats
from parley.client.listen import Listener, listen
from parley.client.stream import iter_pcm_chunks, stream_audio
from parley.client.view import CaptionView
from parley.config import SpeakersConfig
from parley.server.speakers import CELL_SAMPLES, SpeakerTracker, recluster
from tests.broker import Mosquitto
from tests.conftest import loopback_config

RECORDED = Path(__file__).parent / "data" / "dev_window_embeddings.npz"
OFFSET_MS = 10  # the start offset at which the online pass alone gets the sample wrong (see above)
THRESHOLD = SpeakersConfig().recluster_threshold


# --- recluster() on the recorded embeddings of real speech (tests/data, see test_speaker_clusters) ---


def recorded(clip: str) -> dict[str, np.ndarray]:
    data = np.load(RECORDED)
    rows = np.flatnonzero(data["clip"] == clip)
    return {key: data[key][rows] for key in data.files}


@pytest.mark.parametrize("clip", ["dev-overlap", "dev-short-turns"])
def test_recluster_sets_every_guest_apart_from_the_voice_they_were_folded_into(clip: str) -> None:
    """Every embedding filed under one speaker (the worst online outcome): re-clustering keeps the
    dominant voice (Allison) on it and returns each guest as an orphan cluster of its own, pure in
    one reference speaker, spanning the overlapping windows that saw it."""
    data = recorded(clip)
    current = np.zeros(len(data["vector"]), dtype=np.int64)
    revised, orphans = recluster(
        data["vector"], data["clean_seconds"], current, data["window_end"], THRESHOLD
    )
    speakers = data["speaker"]
    assert set(speakers[revised == 0]) == {"allison"}
    assert all(revised[speakers == "allison"] == 0)
    guests = sorted(set(speakers) - {"allison"})
    orphan_speakers = sorted(str(speakers[members[0]]) for members in orphans)
    assert orphan_speakers == guests
    for members in orphans:
        assert len(set(speakers[members])) == 1
        assert len(set(data["window_end"][members])) >= 2  # seen alike by two windows or more


def test_recluster_keeps_the_ids_it_is_given() -> None:
    """Speakers are mapped by overlap, whatever their numbers: correct labels with arbitrary ids
    (Allison 3, guests 0, 1, 2 …) come back unchanged and with no orphan."""
    data = recorded("dev-overlap")
    names = sorted(set(data["speaker"]), key=lambda name: name != "allison")
    ids = {name: (3 if name == "allison" else index - 1) for index, name in enumerate(names)}
    current = np.array([ids[name] for name in data["speaker"]], dtype=np.int64)
    revised, orphans = recluster(
        data["vector"], data["clean_seconds"], current, data["window_end"], THRESHOLD
    )
    assert orphans == []
    assert revised.tolist() == current.tolist()


def test_two_voices_of_one_window_never_share_a_speaker() -> None:
    """Local speakers of one window are different people: if re-clustering puts two of them in one
    cluster, the one with less speech keeps the speaker it had."""
    direction = np.eye(4, dtype=np.float32)
    embeddings = np.stack([direction[0], direction[0] * 0.99 + direction[1] * 0.14, direction[0]])
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    current = np.array([0, 1, 0])
    groups = np.array([5, 5, 8])  # the first two come from one window
    revised, _ = recluster(embeddings, np.array([3.0, 1.0, 2.0]), current, groups, 0.5)
    assert revised.tolist() == [0, 1, 0]


def test_revision_changes_only_what_the_update_names() -> None:
    final = {
        "type": "final",
        "id": 4,
        "speaker": "S1",
        "speaker_name": "Ann",
        "text": "a b",
        "words": [
            {"word": "a", "start": 1.0, "end": 1.2, "speaker": "S1"},
            {"word": "b", "start": 1.3, "end": 1.5, "speaker": "S1"},
        ],
    }
    before = copy.deepcopy(final)
    update = {
        "type": "speaker_update",
        "id": 4,
        "speaker": "S2",
        "speaker_name": "Bo",
        "words": ["S1", "S2"],
        "revision": 1,
    }
    revised = formats.apply_speaker_update(final, update)
    assert final == before  # the input is not touched
    assert (revised["speaker"], revised["speaker_name"], revised["revision"]) == ("S2", "Bo", 1)
    assert [w["speaker"] for w in revised["words"]] == ["S1", "S2"]
    assert revised["text"] == "a b" and revised["words"][1]["start"] == 1.3
    wrong_length = formats.apply_speaker_update(final, {**update, "words": ["S2"]})
    assert [w["speaker"] for w in wrong_length["words"]] == ["S1", "S1"]


def test_listener_applies_updates_and_ignores_unknown_finals() -> None:
    listener = Listener("parley")
    topic = "parley/sessions/room/captions"
    final = {
        "type": "final",
        "id": 1,
        "speaker": "S1",
        "speaker_name": "Speaker 1",
        "start": 0.0,
        "end": 1.0,
        "text": "hi",
        "words": [{"word": "hi", "start": 0.0, "end": 1.0, "speaker": "S1"}],
    }
    listener.handle(topic, formats.json.dumps(final).encode())
    update = {
        "type": "speaker_update",
        "id": 1,
        "speaker": "S2",
        "speaker_name": "Speaker 2",
        "words": ["S2"],
    }
    listener.handle(topic, formats.json.dumps(update).encode())
    listener.handle(topic, formats.json.dumps({**update, "id": 9}).encode())  # never seen: nothing
    captions = listener.sessions["room"]
    assert list(captions.finals) == [1] and captions.duplicates == 0
    assert captions.finals[1]["speaker"] == "S2" and captions.finals[1]["words"][0]["speaker"] == "S2"


def test_terminal_view_prints_a_revision_line() -> None:
    import io

    out = io.StringIO()
    view = CaptionView(out, live=False)
    view.handle(
        {
            "type": "final",
            "id": 2,
            "start": 9.0,
            "end": 10.0,
            "speaker": "S1",
            "speaker_name": "Speaker 1",
            "text": "I didn't know",
            "utterance": 3,
        }
    )
    view.handle(
        {"type": "speaker_update", "id": 2, "speaker": "S2", "speaker_name": "Speaker 2", "words": []}
    )
    lines = out.getvalue().splitlines()
    assert lines == ["[00:09.0] Speaker 1: I didn't know", "[00:09.0] (revised) Speaker 2: I didn't know"]


# --- the tracker on the real models ------------------------------------------------------------------


def timeline_der(tracker: SpeakerTracker, rttm: Path, offset_s: float) -> tuple[float, int]:
    """DER and speaker count of the tracker's label timeline (20 ms cells) against the reference."""
    turns: list[tuple[float, float, str]] = []
    for cell, label in enumerate(tracker._labels, start=tracker._labels_start):
        if label < 0:
            continue
        start = cell * CELL_SAMPLES / 16000 - offset_s
        if turns and turns[-1][2] == f"S{label + 1}" and abs(turns[-1][1] - start) < 1e-6:
            turns[-1] = (turns[-1][0], start + 0.02, turns[-1][2])
        else:
            turns.append((start, start + 0.02, f"S{label + 1}"))
    hypothesis = metrics.annotation_from_turns(turns)
    return metrics.diarization_error(metrics.load_rttm(rttm), hypothesis)["der"], len(hypothesis.labels())


def track(engine, config: SpeakersConfig, audio: np.ndarray) -> SpeakerTracker:
    tracker = SpeakerTracker(engine, config)
    for start in range(0, len(audio), 1600):
        tracker.push(audio[start : start + 1600])
        tracker.advance()
    tracker.push(np.zeros(int(config.step_s * 16000), dtype=np.float32))
    tracker.advance()
    return tracker


@pytest.mark.slow
def test_reclustering_revises_a_speaker_founded_from_a_mixed_window(engine, config, sample, sample_audio):
    audio = np.concatenate([np.zeros(OFFSET_MS * 16, dtype=np.float32), sample_audio])
    online = track(engine, dataclasses.replace(config.speakers, recluster=False), audio)
    der_online, count_online = timeline_der(online, sample.rttm, OFFSET_MS / 1000)
    assert count_online == 3 and der_online > 0.2  # the failure this fixes (measured 0.245)
    revised = track(engine, config.speakers, audio)
    der_revised, count_revised = timeline_der(revised, sample.rttm, OFFSET_MS / 1000)
    assert count_revised == 2
    assert der_revised <= 0.10  # measured 0.059 (torch kernels differ between CPUs too: margin)
    assert revised.revision >= 1


# --- the revision path end to end: real socket, real broker, real clients ----------------------------


@pytest.mark.slow
async def test_revised_final_reaches_client_srt_and_mqtt(config, engine, sample, sample_audio, tmp_path):
    from parley.server.app import ParleyServer

    broker = Mosquitto(tmp_path / "broker")
    broker.start()
    try:
        local = loopback_config(config, mqtt={"url": broker.url, "reconnect_max_s": 1.0})
        listener = Listener("parley")
        stop = asyncio.Event()
        listening = asyncio.create_task(
            listen(broker.url, listener, session="revisions", exit_on_stop=True, config=config, stop=stop)
        )
        await asyncio.sleep(1.0)  # subscribed
        received: list[dict[str, Any]] = []
        audio = np.concatenate([np.zeros(OFFSET_MS * 16, dtype=np.float32), sample_audio])
        async with ParleyServer(local, engine=engine) as server:
            result = await stream_audio(
                server.url,
                iter_pcm_chunks(audio),
                speed=0,
                session_name="revisions",
                on_event=received.append,
            )
            metrics_text = await asyncio.to_thread(_get, f"http://127.0.0.1:{server.port}/metrics")
        await asyncio.wait_for(listening, 30)
    finally:
        broker.stop()

    emitted = [m for m in received if m["type"] == "final"]
    updates = [m for m in received if m["type"] == "speaker_update"]
    assert updates, "the sample at a 10 ms offset is revised (5 updates measured in process)"
    by_id = {final["id"]: final for final in emitted}
    for update in updates:
        final = by_id[update["id"]]  # an update revises a final the client already has
        assert len(update["words"]) == len(final["words"])
        assert 1 <= update["revision"] <= config.speakers.max_revisions_per_final
    # the client's finals carry the last revision of each
    last = {update["id"]: update for update in updates}
    for final in result.finals:
        if final["id"] in last:
            assert final["speaker"] == last[final["id"]]["speaker"]
            assert [w["speaker"] for w in final["words"]] == last[final["id"]]["words"]
    revised_ids = [i for i in last if by_id[i]["speaker"] != last[i]["speaker"]]
    assert revised_ids, "some final changed speaker"
    # the SRT writer labels the revised cue with its new speaker
    srt = formats.to_srt(result.finals, result.speakers)
    changed = next(f for f in result.finals if f["id"] == revised_ids[0])
    name = formats.speaker_label(changed, result.speakers)
    assert f"{name}: {changed['text'].strip()}" in srt
    # MQTT: the listener holds the same revised finals as the socket client
    bus = listener.sessions["revisions"].ordered()
    assert [(f["id"], f["speaker"]) for f in bus] == [(f["id"], f["speaker"]) for f in result.finals]
    # and the revised captions are better than the emitted ones (in process: 0.245 -> 0.072)
    reference = metrics.load_rttm(sample.rttm)
    offset = OFFSET_MS / 1000

    def der(finals: list[dict[str, Any]]) -> float:
        turns = metrics.annotation_from_turns(metrics.caption_turns(finals, offset))
        return metrics.diarization_error(reference, turns)["der"]

    assert der(result.finals) < der(emitted)
    assert der(result.finals) <= 0.12  # measured 0.072; word times move with Whisper's int8 kernels
    assert f"parley_speaker_updates_total {float(len(updates))}" in metrics_text


def _get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


# --- real speech over a real socket: the dev corpus -------------------------------------------------


@pytest.mark.slow
async def test_dev_clip_with_three_male_guests_gets_every_speaker(config, engine, server):
    """dev-overlap (docs/dev-corpus.md, 76 s): Allison and three male-sounding guests (ls-6930 3.5 s
    in one turn, pm-b 2.8 s in five turns of at most 0.8 s, praatio-bobby 1.2 s in one), with
    overlaps. Streamed over the socket it finds all 4 (measured: captions DER 0.021 after revisions;
    before re-clustering 2 speakers, pm-b and praatio-bobby folded into others)."""
    from parley.bench.cli import dev_corpus
    from parley.client.audio_source import decode_file

    folder = dev_corpus(config.models_dir().parent / "dev-corpus", "dev")
    audio = decode_file(str(folder / "dev-overlap.wav"))
    result = await stream_audio(server.url, iter_pcm_chunks(audio), speed=0)
    reference = metrics.load_rttm(folder / "dev-overlap.rttm")
    hypothesis = metrics.annotation_from_turns(metrics.caption_turns(result.finals))
    der = metrics.diarization_error(reference, hypothesis)["der"]
    print(f"dev-overlap: DER {der:.3f}, speakers {sorted(hypothesis.labels())}")
    assert len(hypothesis.labels()) == len(reference.labels()) == 4
    assert der <= 0.20
