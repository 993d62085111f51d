"""``parley bench --hostile``, briefly: a real server, the good session, one hostile client of each kind.

No timing is asserted (the machine is shared); the structure of what is written is, and that the good
session got every one of its finals, alone and beside the hostile clients.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from parley.bench.hostile import HOSTILE_END, HOSTILE_START
from parley.bench.report import update_readme

# the kinds that cost the good session little (text_flood and fast_audio make its end wait minutes on
# this shared 2-core machine: the bench itself measures that, this test checks the structure)
KINDS = ("never_reads", "handshakes", "drop_and_detach")


def test_hostile_bench_smoke(tmp_path: Path):
    out = tmp_path / "hostile"
    command = [
        sys.executable, "-m", "parley.cli", "bench", "--hostile",
        "--hostile-clients", str(len(KINDS)), "--hostile-kinds", ",".join(KINDS),
        "--hostile-seconds", "12", "--out", str(out),
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, timeout=240)
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads((out / "hostile.json").read_text())
    assert (out / "hostile.png").stat().st_size > 0
    table = (out / "hostile.md").read_text()
    assert "| final latency p95 |" in table and "| never_reads | 1 |" in table
    assert [p["name"] for p in result["phases"]] == ["alone", "hostile"]
    for phase in result["phases"]:
        assert phase["errors"] == [], phase["errors"]
        assert phase["finals"] >= 1 and phase["all_finals"], phase  # every final, ids 1..done.finals
        assert phase["finals"] == phase["done_finals"] == len(phase["final_latencies"])
        assert phase["latency_final_p95"] >= phase["latency_final_p50"]
        assert phase["rss_peak_mb"] > 0
    assert sorted(c["kind"] for c in result["clients"]) == sorted(KINDS)
    assert {c["address"] for c in result["clients"]} == {f"127.0.0.{2 + i}" for i in range(len(KINDS))}
    for client in result["clients"]:
        assert client["connections"] >= 1, client  # each got in and misbehaved
        assert client["failures"] == [], client
    by_kind = {c["kind"]: c for c in result["clients"]}
    assert by_kind["handshakes"]["connections"] > 1 and by_kind["drop_and_detach"]["connections"] > 1
    assert set(result["rss"]) == {"idle_mb", "end_mb", "hwm_mb"}
    # VmHWM is the peak of VmRSS; the two are read at different moments (1 MB of slack for pages
    # counted between the reads)
    assert result["rss"]["hwm_mb"] >= max(p["rss_peak_mb"] for p in result["phases"]) - 1.0
    assert result["server_metrics"]['parley_errors_total{code="rate_limited"}'] >= 1  # the renames


def test_readme_has_the_hostile_markers(tmp_path: Path):
    readme = Path(__file__).resolve().parents[1] / "README.md"
    copy = tmp_path / "README.md"
    copy.write_text(readme.read_text())
    assert update_readme(copy, "TABLE\n", HOSTILE_START, HOSTILE_END)
    assert "TABLE" in copy.read_text()
