"""Shared fixtures: the real model bundle, loaded once per test run, and a real server on loopback."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import pytest_asyncio

from parley.config import Config, load_config
from parley.samples import SampleFiles, pyannote_sample

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def loopback_config(config: Config, **blocks: dict[str, Any]) -> Config:
    """``config`` for a test server on a free loopback port, with fields of its blocks replaced.

    ``loopback_config(config, server={"max_sessions": 2}, resume={"grace_s": 1.5})``
    """
    replaced = {name: dataclasses.replace(getattr(config, name), **fields) for name, fields in blocks.items()}
    replaced["server"] = dataclasses.replace(replaced.get("server", config.server), host="127.0.0.1", port=0)
    return dataclasses.replace(config, **replaced)


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config()


@pytest.fixture(scope="session")
def sample() -> SampleFiles:
    return pyannote_sample()


@pytest.fixture(scope="session")
def sample_audio(sample: SampleFiles) -> np.ndarray:
    """The sample as 16 kHz float32."""
    from parley.client.audio_source import decode_file

    return decode_file(str(sample.wav))


@pytest.fixture
def broker(tmp_path: Path):
    """A real mosquitto on a free loopback port, for one test."""
    from tests.broker import Mosquitto

    mosquitto = Mosquitto(tmp_path / "broker")
    mosquitto.start()
    yield mosquitto
    mosquitto.stop()


@pytest.fixture(scope="session")
def hello_pcm(sample_audio: np.ndarray) -> bytes:
    """'Hello? Hello? Oh, hello.' (6.5 s to 9.0 s of the sample) plus 1 s of silence, as s16le."""
    from parley.client.stream import iter_pcm_chunks

    speech = np.concatenate([sample_audio[int(6.5 * 16000) : int(9.0 * 16000)], np.zeros(16000, np.float32)])
    return b"".join(iter_pcm_chunks(speech, chunk_ms=10_000))


@pytest.fixture(scope="session")
def engine(config: Config):
    """The real models (bundle), loaded once; `make test` fetches them first."""
    from parley.server.engine import Engine

    return Engine(config)


@pytest_asyncio.fixture(scope="session")
async def server(config: Config, engine) -> AsyncIterator:
    """A real Parley server on a free loopback port, sharing the session's engine."""
    from parley.server.app import ParleyServer

    async with ParleyServer(loopback_config(config), engine=engine) as running:
        yield running


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
