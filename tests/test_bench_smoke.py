"""`parley bench` runs end to end on one small file (a smoke test, not a measurement)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from parley.bench.synthetic import ConversationSpec, Voice, generate

pytestmark = pytest.mark.slow

SMOKE = ConversationSpec(
    name="smoke",
    speakers=(Voice("en-us", 40, 165), Voice("en-us+f3", 70, 155)),
    duration=12.0,
    turn_style="quick",
    seed=3,
)


def test_bench_writes_results_table_and_plot(tmp_path: Path):
    conversation = generate(SMOKE, tmp_path / "audio")
    out = tmp_path / "results"
    readme = tmp_path / "README.md"
    readme.write_text("# x\n<!-- bench:start -->\nold\n<!-- bench:end -->\n")
    command = [
        sys.executable, "-m", "parley.cli", "bench",
        "--audio", str(conversation.wav), "--rttm", str(conversation.rttm), "--stm", str(conversation.stm),
        "--out", str(out), "--speed", "2", "--update-readme", str(readme),
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "[1/1] smoke: streaming" in completed.stdout  # progress is shown
    results = json.loads((out / "results.json").read_text())
    for side in ("streaming", "offline"):
        for key in ("wer", "der", "cpwer"):
            assert 0.0 <= results["summary"][side][key] <= 1.5, (side, key, results["summary"][side])
    streaming = results["summary"]["streaming"]
    # at 2x the latencies would measure the pace, not the service: left out, not misreported
    assert streaming["latency_final_p50"] is None and streaming["latency_final_p95"] is None
    assert 0.05 < streaming["rtf"] < 5.0  # server CPU seconds per audio second
    assert results["summary"]["streaming"]["peak_rss_mb"] > 100  # the server process, models loaded
    table = (out / "results.md").read_text()
    assert "| WER |" in table and "offline baseline" in table
    assert (out / "bench.png").stat().st_size > 10_000
    assert "| WER |" in readme.read_text() and "old" not in readme.read_text()
