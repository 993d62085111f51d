"""The ``parley bench`` command line: pick the audio, run, write results."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from parley.bench import metrics
from parley.bench.report import markdown, plot, plot_capacity, update_readme
from parley.bench.runner import BenchFile, BenchOptions, run_bench, write_results
from parley.config import Config
from parley.samples import pyannote_sample


def _levels(text: str) -> list[int]:
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of session counts: {text!r}") from None
    if not levels or min(levels) < 1 or levels != sorted(set(levels)):
        raise argparse.ArgumentTypeError(f"session counts must be increasing and >= 1: {text!r}")
    return levels


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_argument_group("audio (a suite, or one file with its references)")
    source.add_argument(
        "--suite",
        help="sample | synthetic | dev | dev-test | dev-multilingual (real speech, docs/dev-corpus.md) | "
        "a folder of NAME.wav + NAME.rttm + NAME.stm",
    )
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
    parser.add_argument(
        "--capacity-levels",
        type=_levels,
        default=None,
        metavar="N,N,...",
        help="session counts --find-capacity tries, in order (default 1..--max-streams); e.g. 1,4,16,64",
    )
    parser.add_argument("--no-offline", action="store_true", help="skip the offline baseline")
    parser.add_argument(
        "--update-readme", type=Path, metavar="README", help="write the table into this README"
    )
    spread = parser.add_argument_group(
        "spread (accuracy under perturbations: start offsets, gains, compute types; in-process, no latency)"
    )
    spread.add_argument("--spread", action="store_true", help="measure the spread of WER, DER and speakers")
    spread.add_argument(
        "--spread-compute-types",
        default="int8,float32",
        metavar="LIST",
        help="CTranslate2 compute types to run (default int8,float32)",
    )
    spread.add_argument(
        "--spread-offsets",
        default="0,10,20,30",
        metavar="MS",
        help="start offsets in ms (default 0,10,20,30)",
    )
    spread.add_argument("--spread-gains", default="1,0.8", metavar="LIST", help="gains (default 1,0.8)")
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="similarities of the speaker tracker's embeddings, same vs different speaker, and thresholds",
    )
    hostile = parser.add_argument_group(
        "hostile (what misbehaving clients cost one real-time session: its latency, the server's memory)"
    )
    hostile.add_argument(
        "--hostile", action="store_true", help="stream the sample alone, then beside N hostile clients"
    )
    hostile.add_argument(
        "--hostile-clients", type=int, default=10, metavar="N", help="hostile clients (default 10)"
    )
    hostile.add_argument(
        "--hostile-seconds",
        type=_positive_float,
        metavar="S",
        help="seconds of the sample the good session streams (default: all 30)",
    )
    hostile.add_argument(
        "--hostile-kinds",
        metavar="LIST",
        help="comma-separated kinds the clients cycle through (default all: never_reads, text_flood, "
        "handshakes, fast_audio, drop_and_detach)",
    )
    soak = parser.add_argument_group("soak (one long session; memory over time, no accuracy run)")
    soak.add_argument(
        "--soak", action="store_true", help="stream the sample repeated through one session at full speed"
    )
    soak.add_argument(
        "--soak-minutes", type=_positive_float, metavar="MIN", help="audio to stream (default 60)"
    )
    soak.add_argument(
        "--soak-interval",
        type=_positive_float,
        metavar="S",
        help="wall seconds between RSS samples of the server (default 60)",
    )


def _positive_float(text: str) -> float:
    """argparse type: a float > 0."""
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _command_line() -> str:
    """This run's command as the reports quote it."""
    return ("parley bench " + " ".join(shlex.quote(a) for a in sys.argv[2:])).strip()


def _folder_files(folder: Path) -> list[BenchFile]:
    """Every NAME.wav of ``folder`` that has NAME.rttm and NAME.stm beside it."""
    return [
        BenchFile(wav.stem, wav, wav.with_suffix(".rttm"), wav.with_suffix(".stm"))
        for wav in sorted(folder.glob("*.wav"))
        if wav.with_suffix(".rttm").exists() and wav.with_suffix(".stm").exists()
    ]


DEV_SUITES = {"dev": "dev", "dev-test": "test", "dev-multilingual": "multilingual"}  # suite -> split


def dev_corpus(root: Path, split: str) -> Path:
    """The real-speech corpus's ``split`` folder under ``root``, fetched and built when missing or
    built by another corpus version (docs/dev-corpus.md)."""
    from parley.bench.corpus import CORPUS_VERSION, build_corpus

    folder = root / split
    index = folder / "corpus.json"
    if not index.exists() or json.loads(index.read_text()).get("corpus_version") != CORPUS_VERSION:
        build_corpus(root / ".sources", root, progress=lambda line: print(line, flush=True))
    return folder


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
    elif suite in DEV_SUITES:
        files = _folder_files(dev_corpus(Path(config.models_dir()).parent / "dev-corpus", DEV_SUITES[suite]))
    else:
        folder = Path(suite)
        if not folder.is_dir():
            raise ValueError(
                f"--suite {suite!r}: not 'sample', 'synthetic', {', '.join(DEV_SUITES)} or a folder"
            )
        files = _folder_files(folder)
    if args.only:
        files = [f for f in files if f.name in args.only]
    if not files:
        raise ValueError("no audio file with .rttm and .stm references was selected")
    return files


def run_soak_command(args: argparse.Namespace, config: Config) -> int:
    """``parley bench --soak``: the soak run alone, written to ``soak.json``, ``soak.md``, ``soak.png``."""
    from parley.bench.soak import SOAK_END, SOAK_START, SoakOptions, run_soak, write_soak

    ignored = [
        flag
        for flag, given in (
            ("--suite", args.suite),
            ("--only", args.only),
            ("--audio", args.audio),
            ("--streams", args.streams != 1),
            ("--find-capacity", args.find_capacity),
        )
        if given
    ]
    if ignored:
        print(
            f"parley bench --soak: ignoring {', '.join(ignored)} (the soak streams the sample)",
            file=sys.stderr,
        )
    options = SoakOptions(
        minutes=args.soak_minutes if args.soak_minutes is not None else SoakOptions.minutes,
        interval_s=args.soak_interval if args.soak_interval is not None else SoakOptions.interval_s,
    )
    try:
        result = run_soak(config, options, progress=lambda line: print(line, flush=True))
    except Exception as exc:  # the server or the session failed: say so, in one line
        print(f"parley bench --soak: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    command = _command_line()
    json_path, md_path, png_path, table = write_soak(result, args.out, command)
    print(table)
    print(f"parley bench: wrote {json_path}, {md_path}, {png_path}")
    if args.update_readme and not update_readme(args.update_readme, table, SOAK_START, SOAK_END):
        print(
            f"parley bench: no {SOAK_START} ... {SOAK_END} markers in {args.update_readme}; "
            "README not updated",
            file=sys.stderr,
        )
    return 0


def run_spread_command(args: argparse.Namespace, config: Config, files: list[BenchFile]) -> int:
    """``parley bench --spread``: every file under every perturbation; ``spread.json/md/png``."""
    from parley.bench.spread import SPREAD_END, SPREAD_START, perturbations, run_spread, write_spread

    compute_types = [name.strip() for name in args.spread_compute_types.split(",") if name.strip()]
    offsets = [int(value) for value in args.spread_offsets.split(",") if value.strip()]
    gains = [float(value) for value in args.spread_gains.split(",") if value.strip()]
    variants = perturbations(offsets_ms=offsets, gains=gains, compute_types=compute_types)
    result = run_spread(files, config, variants, progress=lambda line: print(line, flush=True))
    command = _command_line()
    paths, table = write_spread(result, args.out, command)
    print(table)
    print(f"parley bench: wrote {', '.join(map(str, paths))}")
    if args.update_readme and not update_readme(args.update_readme, table, SPREAD_START, SPREAD_END):
        message = f"parley bench: no {SPREAD_START} markers in {args.update_readme}; README not updated"
        print(message, file=sys.stderr)
    return 0


def run_calibrate_command(args: argparse.Namespace, config: Config, files: list[BenchFile]) -> int:
    """``parley bench --calibrate``: ``calibration.json/md/png``."""
    from parley.bench.calibrate import run_calibration, write_calibration

    result = run_calibration(files, config, progress=lambda line: print(line, flush=True))
    command = _command_line()
    paths, table = write_calibration(result, args.out, command)
    print(table)
    print(f"parley bench: wrote {', '.join(map(str, paths))}")
    return 0


def run_hostile_command(args: argparse.Namespace, config: Config) -> int:
    """``parley bench --hostile``: ``hostile.json``, ``hostile.md``, ``hostile.png``."""
    from parley.bench.hostile import HOSTILE_END, HOSTILE_START, HostileOptions, run_hostile, write_hostile

    options = HostileOptions(clients=args.hostile_clients, seconds=args.hostile_seconds)
    if args.hostile_kinds:
        options.kinds = tuple(kind.strip() for kind in args.hostile_kinds.split(",") if kind.strip())
    try:
        result = run_hostile(config, options, progress=lambda line: print(line, flush=True))
    except (RuntimeError, ValueError) as exc:
        print(f"parley bench --hostile: {exc}", file=sys.stderr)
        return 1
    paths, table = write_hostile(result, args.out, _command_line())
    print(table)
    print(f"parley bench: wrote {', '.join(map(str, paths))}")
    if args.update_readme and not update_readme(args.update_readme, table, HOSTILE_START, HOSTILE_END):
        message = f"parley bench: no {HOSTILE_START} markers in {args.update_readme}; README not updated"
        print(message, file=sys.stderr)
    return 0


def run(args: argparse.Namespace, config: Config) -> int:
    if args.hostile:
        return run_hostile_command(args, config)
    if args.soak:
        return run_soak_command(args, config)
    if args.soak_minutes is not None or args.soak_interval is not None:
        print("parley bench: --soak-minutes and --soak-interval need --soak", file=sys.stderr)
        return 2
    try:
        files = select_files(args, config)
    except (ValueError, FileNotFoundError) as exc:
        print(f"parley bench: {exc}", file=sys.stderr)
        return 2
    if args.spread:
        return run_spread_command(args, config, files)
    if args.calibrate:
        return run_calibrate_command(args, config, files)
    options = BenchOptions(
        speed=args.speed,
        streams=args.streams,
        find_capacity=args.find_capacity,
        latency_budget_s=args.latency_budget,
        max_streams=max(args.capacity_levels or [args.max_streams]),
        capacity_levels=args.capacity_levels,
        offline=not args.no_offline,
    )
    result = run_bench(files, config, options, progress=lambda line: print(line, flush=True))
    path = write_results(result, args.out)
    data = json.loads(path.read_text())
    command = _command_line()
    table = markdown(data, command)
    (args.out / "results.md").write_text(table)
    reference = metrics.load_rttm(files[0].rttm)
    turns = [
        (segment.start, segment.end, label) for segment, _, label in reference.itertracks(yield_label=True)
    ]
    plot(data, turns, args.out / "bench.png")
    written = [path, args.out / "results.md", args.out / "bench.png"]
    if data.get("capacity"):
        plot_capacity(data["capacity"], options.latency_budget_s, args.out / "capacity.png")
        written.append(args.out / "capacity.png")
    print(table)
    print(f"parley bench: wrote {', '.join(map(str, written))}")
    if args.update_readme and not update_readme(args.update_readme, table):
        print(f"parley bench: no bench markers in {args.update_readme}; README not updated", file=sys.stderr)
    return 0
