"""The synthetic conversation suite: deterministic audio whose truth files say where the speech is."""

from __future__ import annotations

import dataclasses
import itertools
import shutil
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from parley.bench.metrics import load_rttm, load_stm
from parley.bench.synthetic import (
    SAMPLE_RATE,
    SENTENCES,
    SUITE_SPECS,
    TURN_STYLES,
    Conversation,
    ConversationSpec,
    Voice,
    generate,
    make_suite,
)


@pytest.fixture
def synthetic_tools() -> None:
    """The Debian tools the generator needs: missing ones fail the test (`make test` installs them)."""
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        raise RuntimeError(
            f"{', '.join(missing)} not installed: run `make test` (apt-get install espeak-ng sox)"
        )


needs_tools = pytest.mark.usefixtures("synthetic_tools")

TINY = ConversationSpec(
    name="tiny",
    speakers=(Voice("en-us", 40, 165), Voice("en-us+f3", 70, 155)),
    duration=8.0,
    turn_style="quick",
    overlap_probability=0.0,
    seed=1,
)


def read_samples(path: Path) -> tuple[np.ndarray, Any]:
    with wave.open(str(path), "rb") as reader:
        params = reader.getparams()
        samples = np.frombuffer(reader.readframes(params.nframes), dtype="<i2").astype(np.float64)
    return samples / 32768.0, params


def files(conversation: Conversation) -> list[Path]:
    return [conversation.wav, conversation.rttm, conversation.stm]


@needs_tools
def test_same_spec_gives_identical_files(tmp_path: Path) -> None:
    first = generate(TINY, tmp_path / "a")
    second = generate(TINY, tmp_path / "b")
    for one, other in zip(files(first), files(second), strict=True):
        assert one.read_bytes() == other.read_bytes(), one.name
    assert first.speakers == second.speakers == ("spk1", "spk2")

    reseeded = generate(dataclasses.replace(TINY, seed=2), tmp_path / "c")
    assert reseeded.wav.read_bytes() != first.wav.read_bytes()


@needs_tools
def test_cache_reuses_matching_files_and_regenerates_on_change(tmp_path: Path) -> None:
    conversation = generate(TINY, tmp_path)
    assert (tmp_path / "tiny.spec.json").exists()
    mtimes = [path.stat().st_mtime_ns for path in files(conversation)]
    assert generate(TINY, tmp_path) == conversation
    assert [path.stat().st_mtime_ns for path in files(conversation)] == mtimes

    original = conversation.stm.read_bytes()
    changed = generate(dataclasses.replace(TINY, seed=3), tmp_path)
    assert changed.stm.read_bytes() != original
    assert generate(TINY, tmp_path).stm.read_bytes() == original


@needs_tools
def test_audio_format_and_duration(tmp_path: Path) -> None:
    conversation = generate(TINY, tmp_path)
    samples, params = read_samples(conversation.wav)
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, SAMPLE_RATE)
    assert params.nframes == round(TINY.duration * SAMPLE_RATE)
    assert conversation.duration == TINY.duration
    assert np.max(np.abs(samples)) < 1.0


@needs_tools
def test_rttm_matches_stm(tmp_path: Path) -> None:
    conversation = generate(TINY, tmp_path)
    segments = load_stm(conversation.stm)
    annotation = load_rttm(conversation.rttm)
    assert annotation.uri == "tiny"
    turns = [
        (segment.start, segment.end, label) for segment, _, label in annotation.itertracks(yield_label=True)
    ]
    expected = [(segment.start, segment.end, segment.speaker) for segment in segments]
    assert len(turns) == len(expected) >= 2
    for (start, end, label), (stm_start, stm_end, speaker) in zip(turns, expected, strict=True):
        assert label == speaker
        assert start == pytest.approx(stm_start, abs=1e-6)
        assert end == pytest.approx(stm_end, abs=1e-6)
    assert {segment.speaker for segment in segments} == {"spk1", "spk2"}
    assert all(segment.text in SENTENCES for segment in segments)
    assert all(0.0 < segment.start < segment.end <= TINY.duration - 0.5 for segment in segments)
    # Exact sample times.
    for segment in segments:
        assert segment.start * SAMPLE_RATE == pytest.approx(round(segment.start * SAMPLE_RATE), abs=1e-6)
        assert segment.end * SAMPLE_RATE == pytest.approx(round(segment.end * SAMPLE_RATE), abs=1e-6)


@needs_tools
def test_speech_is_where_the_rttm_says(tmp_path: Path) -> None:
    conversation = generate(TINY, tmp_path)
    samples, _ = read_samples(conversation.wav)
    speech = np.zeros(len(samples), dtype=bool)
    margin = round(0.02 * SAMPLE_RATE)
    near_speech = np.zeros(len(samples), dtype=bool)
    for segment in load_rttm(conversation.rttm).get_timeline():
        start, end = round(segment.start * SAMPLE_RATE), round(segment.end * SAMPLE_RATE)
        speech[start:end] = True
        near_speech[max(0, start - margin) : end + margin] = True
    gaps = ~near_speech
    assert gaps.sum() > 0.5 * SAMPLE_RATE  # lead-in, the gap between turns and the tail
    rms_speech = np.sqrt(np.mean(samples[speech] ** 2))
    rms_gaps = np.sqrt(np.mean(samples[gaps] ** 2))
    assert rms_gaps > 0.0  # background noise, not digital silence
    assert rms_speech > 20 * rms_gaps
    # Every sentence is loud at both ends of its segment (trimmed: no leading or trailing silence).
    for segment in load_rttm(conversation.rttm).get_timeline():
        start, end = round(segment.start * SAMPLE_RATE), round(segment.end * SAMPLE_RATE)
        first, last = samples[start : start + 1600], samples[end - 1600 : end]
        assert np.sqrt(np.mean(first**2)) > 3 * rms_gaps
        assert np.sqrt(np.mean(last**2)) > 3 * rms_gaps


@needs_tools
def test_overlapping_turns(tmp_path: Path) -> None:
    spec = dataclasses.replace(
        TINY,
        name="overlap",
        speakers=(*TINY.speakers, Voice("en-gb-x-rp+m7", 30, 145)),
        duration=12.0,
        overlap_probability=1.0,
    )
    segments = load_stm(generate(spec, tmp_path).stm)
    assert len(segments) >= 3
    for previous, current in itertools.pairwise(segments):
        overlap = previous.end - current.start
        assert current.speaker != previous.speaker
        assert 0.0 < overlap <= 0.5 + 1e-6


def test_suite_specs() -> None:
    names = [spec.name for spec in SUITE_SPECS]
    assert len(names) == len(set(names))
    assert {"2spk-short-turns", "3spk-meeting", "4spk-overlap", "5spk-panel"} <= set(names)
    assert {"2spk-monologues", "silences", "10min-session"} <= set(names)
    for spec in SUITE_SPECS:
        assert 2 <= len(spec.speakers) <= 5, spec.name
        assert len(set(spec.speakers)) == len(spec.speakers), spec.name
        assert spec.turn_style in TURN_STYLES, spec.name
        assert 0.0 <= spec.overlap_probability <= 1.0
        assert spec.duration >= 30.0
    assert len({spec.seed for spec in SUITE_SPECS}) == len(SUITE_SPECS)
    session = next(spec for spec in SUITE_SPECS if spec.name == "10min-session")
    assert abs(session.duration - 600.0) <= 30.0
    assert len(session.speakers) == 3
    assert any(spec.overlap_probability > 0 for spec in SUITE_SPECS)


def test_make_suite_rejects_unknown_names(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no-such-conversation"):
        make_suite(tmp_path, names=["no-such-conversation"])
    assert not any(tmp_path.iterdir())


def test_generate_rejects_bad_specs(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="turn style"):
        generate(dataclasses.replace(TINY, turn_style="chaotic"), tmp_path)
    with pytest.raises(ValueError, match="no speakers"):
        generate(dataclasses.replace(TINY, speakers=()), tmp_path)


@needs_tools
def test_make_suite_with_custom_specs(tmp_path: Path) -> None:
    lines: list[str] = []
    conversations = make_suite(tmp_path, progress=lines.append, specs=[TINY])
    assert [conversation.name for conversation in conversations] == ["tiny"]
    assert len(lines) == 1 and lines[0].startswith("tiny: 8.0 s, 2 speakers")
