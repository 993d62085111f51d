"""The ``parley bench`` command line: pick the audio, run, write results."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from parley.bench import metrics
from parley.bench.report import markdown, plot, update_readme
from parley.bench.runner import BenchFile, BenchOptions, run_bench, write_results
from parley.config import Config
from parley.samples import pyannote_sample


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_argument_group("audio (a suite, or one file with its references)")
    source.add_argument("--suite", help="sample | synthetic | a folder of NAME.wav + NAME.rttm + NAME.stm")
    source.add_argument("--only", action="append", metavar="NAME", help="only these files of the suite")
    source.add_argument("--audio", type=Path, help="one audio file ...")
    source.add_argument("--rttm", type=Path, help="... its RTTM reference")
    source.add_argument("--stm", type=Path, help="... and its STM reference")
    parser.add_argument("--out", type=Path, default=Path("bench-results"), help="results folder")
    parser.add_argument("--speed", type=float, default=1.0, help="streaming pace × real time (default 1)")
    parser.add_argument("--streams", type=int, default=1, help="also run N concurrent real-time sessions")
    parser.add_argument("--find-capacity", action="store_true", help="ramp concurrent sessions to the limit")
    parser.add_argument("--latency-budget", type=float, default=3.0, help="final latency p95 budget (s)")
    parser.add_argument("--max-streams", type=int, default=8, help="upper bound for --find-capacity")
    parser.add_argument("--no-offline", action="store_true", help="skip the offline baseline")
    parser.add_argument(
        "--update-readme", type=Path, metavar="README", help="write the table into this README"
    )


def select_files(args: argparse.Namespace, config: Config) -> list[BenchFile]:
    if args.audio or args.rttm or args.stm:
        if not (args.audio and args.rttm and args.stm):
            raise ValueError("--audio needs --rttm and --stm")
        return [BenchFile(args.audio.stem, args.audio, args.rttm, args.stm)]
    suite = args.suite or "sample"
    if suite == "sample":
        sample = pyannote_sample()
        files = [BenchFile("sample", sample.wav, sample.rttm, sample.stm)]
    elif suite == "synthetic":
        from parley.bench.synthetic import SUITE_SPECS, make_suite

        folder = Path(config.models_dir()).parent / "bench-synthetic"
        names = args.only or [spec.name for spec in SUITE_SPECS]
        files = [
            BenchFile(c.name, Path(c.wav), Path(c.rttm), Path(c.stm)) for c in make_suite(folder, names=names)
        ]
    else:
        folder = Path(suite)
        if not folder.is_dir():
            raise ValueError(f"--suite {suite!r}: not 'sample', 'synthetic' or a folder")
        files = [
            BenchFile(wav.stem, wav, wav.with_suffix(".rttm"), wav.with_suffix(".stm"))
            for wav in sorted(folder.glob("*.wav"))
            if wav.with_suffix(".rttm").exists() and wav.with_suffix(".stm").exists()
        ]
    if args.only:
        files = [f for f in files if f.name in args.only]
    if not files:
        raise ValueError("no audio file with .rttm and .stm references was selected")
    return files


def run(args: argparse.Namespace, config: Config) -> int:
    try:
        files = select_files(args, config)
    except (ValueError, FileNotFoundError) as exc:
        print(f"parley bench: {exc}", file=sys.stderr)
        return 2
    options = BenchOptions(
        speed=args.speed,
        streams=args.streams,
        find_capacity=args.find_capacity,
        latency_budget_s=args.latency_budget,
        max_streams=args.max_streams,
        offline=not args.no_offline,
    )
    result = run_bench(files, config, options, progress=lambda line: print(line, flush=True))
    path = write_results(result, args.out)
    data = json.loads(path.read_text())
    command = "parley bench " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    table = markdown(data, command.strip())
    (args.out / "results.md").write_text(table)
    reference = metrics.load_rttm(files[0].rttm)
    turns = [
        (segment.start, segment.end, label) for segment, _, label in reference.itertracks(yield_label=True)
    ]
    plot(data, turns, args.out / "bench.png")
    print(table)
    print(f"parley bench: wrote {path}, {args.out / 'results.md'}, {args.out / 'bench.png'}")
    if args.update_readme and not update_readme(args.update_readme, table):
        print(f"parley bench: no bench markers in {args.update_readme}; README not updated", file=sys.stderr)
    return 0
