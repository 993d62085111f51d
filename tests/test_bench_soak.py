"""`parley bench --soak`: the memory verdict on hand-made samples, and a one-minute run end to end."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from parley.bench.report import update_readme
from parley.bench.soak import (
    SOAK_END,
    SOAK_START,
    AudioCounter,
    SoakSample,
    soak_chunks,
    summarise_samples,
    warmup_seconds,
)


def _samples(rss_by_minute: list[tuple[float, float]]) -> list[SoakSample]:
    """Samples a minute of wall time apart, at (processed audio minute, RSS MB)."""
    return [
        SoakSample(wall_s=60.0 * i, audio_s=minute * 60, rss_mb=rss, finals=i, processed_s=minute * 60)
        for i, (minute, rss) in enumerate(rss_by_minute)
    ]


def test_warmup_is_ten_percent_or_five_minutes():
    assert warmup_seconds(60.0) == pytest.approx(6.0)
    assert warmup_seconds(3600.0) == pytest.approx(300.0)


def test_flat_memory_after_warmup_is_flat():
    # the climb while the models and buffers warm up (before 6 of 60 minutes) is not held against it
    samples = _samples([(0, 1100), (2, 1250), (6, 1300), (20, 1320), (40, 1310), (60, 1350)])
    summary = summarise_samples(samples, 3600.0)
    assert summary["rss_baseline_mb"] == 1300
    assert summary["rss_baseline_at_audio_s"] == 360
    assert summary["rss_max_after_warmup_mb"] == 1350
    assert summary["growth_percent"] == pytest.approx(50 / 1300 * 100)
    assert summary["samples_after_warmup"] == 4
    assert summary["flat"] is True


def test_memory_growing_twenty_percent_is_not_flat():
    samples = _samples([(0, 900), (6, 1000), (20, 1050), (40, 1120), (60, 1200)])
    summary = summarise_samples(samples, 3600.0)
    assert summary["rss_baseline_mb"] == 1000
    assert summary["growth_percent"] == pytest.approx(20.0)
    assert summary["flat"] is False


def test_flat_limit_is_inclusive_and_a_drop_is_flat():
    assert summarise_samples(_samples([(6, 1000), (60, 1100)]), 3600.0)["flat"] is True  # exactly +10 %
    assert summarise_samples(_samples([(6, 1000), (60, 1101)]), 3600.0)["flat"] is False
    assert summarise_samples(_samples([(6, 1000), (60, 800)]), 3600.0)["growth_percent"] == 0.0


def test_warmup_follows_the_audio_processed_not_the_audio_sent():
    # the sender runs a minute ahead of the server: its 7 minutes sent are only 4 processed
    samples = [
        SoakSample(wall_s=0, audio_s=420, rss_mb=900, finals=0, processed_s=240),
        SoakSample(wall_s=60, audio_s=480, rss_mb=1000, finals=5, processed_s=300),
        SoakSample(wall_s=120, audio_s=3600, rss_mb=1010, finals=9, processed_s=3600),
    ]
    summary = summarise_samples(samples, 3600.0)
    assert summary["rss_baseline_mb"] == 1000
    assert summary["flat"] is True


def test_no_sample_after_warmup_gives_no_verdict():
    summary = summarise_samples(_samples([(0, 1000), (2, 1500)]), 3600.0)
    assert summary["samples_after_warmup"] == 0
    assert summary["flat"] is None and summary["growth_percent"] is None


def test_soak_chunks_repeat_one_copy_to_the_exact_length():
    one_copy = bytes(range(256)) * 50  # 12 800 bytes = 0.4 s of pcm_s16le at 16 kHz
    counter = AudioCounter()
    chunks = list(soak_chunks(one_copy, 1.5, counter))
    assert sum(len(c) for c in chunks) == 1.5 * 16000 * 2 == counter.bytes
    assert counter.seconds == pytest.approx(1.5)
    assert max(len(c) for c in chunks) == 3200  # 100 ms frames
    assert b"".join(chunks) == (one_copy * 4)[:48000]


def test_readme_soak_markers(tmp_path: Path):
    readme = tmp_path / "README.md"
    text = f"# x\n<!-- bench:start -->\nbench\n<!-- bench:end -->\n{SOAK_START}\nold\n{SOAK_END}\ntail\n"
    readme.write_text(text)
    assert update_readme(readme, "| soak | value |\n", SOAK_START, SOAK_END)
    updated = readme.read_text()
    assert f"{SOAK_START}\n| soak | value |\n{SOAK_END}" in updated
    assert "old" not in updated and "\nbench\n" in updated and updated.endswith("tail\n")
    unmarked = tmp_path / "OTHER.md"
    unmarked.write_text("# no markers\n")
    assert not update_readme(unmarked, "| soak | value |\n", SOAK_START, SOAK_END)
    assert unmarked.read_text() == "# no markers\n"


@pytest.mark.slow
def test_soak_one_minute_end_to_end(tmp_path: Path):
    out = tmp_path / "soak"
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{SOAK_START}\nold\n{SOAK_END}\n")
    command = [
        sys.executable, "-m", "parley.cli", "bench", "--soak", "--soak-minutes", "1", "--soak-interval", "5",
        "--out", str(out), "--update-readme", str(readme),
    ]  # fmt: skip
    started = time.monotonic()
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "soak: audio" in completed.stdout  # progress lines while it runs
    assert not (out / "results.json").exists()  # no accuracy run

    data = json.loads((out / "soak.json").read_text())
    summary, samples = data["summary"], data["samples"]
    assert summary["audio_minutes"] == pytest.approx(1.0, abs=0.01)
    assert 0 < summary["wall_minutes"] < (time.monotonic() - started) / 60
    assert summary["rtf"] > 0 and summary["finals"] > 0 and summary["errors"] == 0
    assert isinstance(summary["flat"], bool) and summary["growth_percent"] >= 0
    assert summary["rss_baseline_mb"] <= summary["rss_max_after_warmup_mb"]
    assert summary["warmup_audio_s"] == pytest.approx(6.0, abs=0.1)
    # one sample before the audio, at least one every 5 s while it runs, one after `done`
    assert len(samples) >= 3
    for sample in samples:
        assert set(sample) >= {"wall_s", "audio_s", "rss_mb", "finals", "processed_s"}
        assert sample["rss_mb"] > 100  # the server process, models loaded
    walls = [s["wall_s"] for s in samples]
    assert walls == sorted(walls) and samples[0]["audio_s"] == 0
    assert all(b - a >= 4.5 for a, b in itertools.pairwise(walls[:-1]))  # the interval, until `done`
    assert samples[-1]["audio_s"] == pytest.approx(60.0) == samples[-1]["processed_s"]
    assert samples[-1]["finals"] == summary["finals"]

    table = (out / "soak.md").read_text()
    assert data["machine"]["date"] in table and f"{data['machine']['cores']} cores" in table
    assert "| memory flat (growth ≤ 10 %) | " in table
    assert "| audio through one session | 1.0 min |" in table
    assert (out / "soak.png").stat().st_size > 10_000
    assert "| audio through one session |" in readme.read_text() and "old" not in readme.read_text()
