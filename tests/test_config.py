"""Configuration loading (:func:`parley.config.load_config`): the shipped YAML, schema checks, overrides."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from parley.config import DEFAULT_CONFIG, Config, ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "parley.yaml"
    path.write_text(text)
    return path


def without_cache_dir(config: Config) -> dict:
    data = dataclasses.asdict(config)
    data["models"].pop("cache_dir")
    return data


def test_default_yaml_equals_dataclass_defaults() -> None:
    """``configs/default.yaml`` loads to exactly the dataclass defaults (only ``models.cache_dir`` is
    filled in by the loader), so the two cannot drift apart."""
    loaded = load_config(env={"HOME": "/home/someone"})
    assert without_cache_dir(loaded) == without_cache_dir(Config())


def test_default_yaml_mirrors_every_key() -> None:
    """The shipped file names every field of every section (a missing key would silently fall back
    to the dataclass default and the file would no longer document it)."""
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    expected = dataclasses.asdict(Config())
    assert set(data) == set(expected)
    for section, fields in expected.items():
        assert set(data[section]) == set(fields), section


def test_default_cache_dir_follows_xdg_then_home() -> None:
    assert load_config(env={"XDG_CACHE_HOME": "/xdg"}).models.cache_dir == "/xdg/parley/models"
    assert load_config(env={"HOME": "/home/u"}).models.cache_dir == "/home/u/.cache/parley/models"


def test_parley_models_env_overrides_the_file(tmp_path: Path) -> None:
    """``PARLEY_MODELS`` wins over the default and over a ``cache_dir`` in the file."""
    assert load_config(env={"PARLEY_MODELS": "/srv/models"}).models.cache_dir == "/srv/models"
    path = write(tmp_path, "models:\n  cache_dir: /from/file\n")
    assert load_config(path, env={}).models.cache_dir == "/from/file"
    assert load_config(path, env={"PARLEY_MODELS": "/srv/models"}).models.cache_dir == "/srv/models"
    assert load_config(path, env={"PARLEY_MODELS": ""}).models.cache_dir == "/from/file"


def test_hf_token_from_env_unless_configured(tmp_path: Path) -> None:
    assert load_config(env={"HF_TOKEN": "a"}).models.hf_token == "a"
    assert load_config(env={"HF_TOKEN": "a", "PARLEY_HF_TOKEN": "b"}).models.hf_token == "b"
    path = write(tmp_path, "models:\n  hf_token: from-file\n")
    assert load_config(path, env={"HF_TOKEN": "a"}).models.hf_token == "from-file"
    assert load_config(env={}).models.hf_token is None


def test_partial_file_keeps_other_defaults(tmp_path: Path) -> None:
    """A file sets only what it names; ints are accepted for floats (and become floats)."""
    config = load_config(write(tmp_path, "vad:\n  hangover_ms: 500\n  max_utterance_s: 8\n"), env={})
    assert config.vad.hangover_ms == 500
    assert config.vad.max_utterance_s == 8.0 and isinstance(config.vad.max_utterance_s, float)
    assert config.vad.frame_ms == Config().vad.frame_ms
    assert config.server == Config().server
    empty = load_config(write(tmp_path, ""), env={"PARLEY_MODELS": "/m"})
    assert dataclasses.asdict(empty) == dataclasses.asdict(
        dataclasses.replace(Config(), models=dataclasses.replace(Config().models, cache_dir="/m"))
    )


def test_nullable_fields(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "asr:\n  language: null\n"), env={})
    assert config.asr.language is None


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("vad:\n  hangover: 300\n", ["vad", "hangover"]),
        ("speakers:\n  max_speaker: 3\n", ["speakers", "max_speaker"]),
        ("telemetry:\n  enabled: true\n", ["telemetry"]),
    ],
)
def test_unknown_key_is_named(tmp_path: Path, text: str, names: list[str]) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text), env={})
    for name in names:
        assert name in str(error.value)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("vad:\n  frame_ms: thirty\n", "vad.frame_ms"),
        ("vad:\n  frame_ms: 30.0\n", "vad.frame_ms"),  # no silent float -> int
        ("vad:\n  frame_ms: true\n", "vad.frame_ms"),  # a bool is not an int
        ("vad:\n  max_utterance_s: ten\n", "vad.max_utterance_s"),
        ("server:\n  port: '8765'\n", "server.port"),
        ("server:\n  host: 127\n", "server.host"),
        ("asr:\n  language: 5\n", "asr.language"),
        ("models:\n  cache_dir: [a, b]\n", "models.cache_dir"),
        ("speakers: 3\n", "speakers"),
    ],
)
def test_wrong_type_names_the_dotted_path(tmp_path: Path, text: str, where: str) -> None:
    with pytest.raises(ConfigError, match=f"^{where.replace('.', '[.]')}: "):
        load_config(write(tmp_path, text), env={})


@pytest.mark.parametrize("text", ["vad: [unclosed\n", "a: b: c\n", "\tvad: 1\n"])
def test_invalid_yaml(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, text), env={})


@pytest.mark.parametrize("text", ["- vad\n- asr\n", "just a string\n", "42\n"])
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError, match="mapping"):
        load_config(write(tmp_path, text), env={})


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match="not found") as error:
        load_config(missing, env={})
    assert str(missing) in str(error.value)
    assert isinstance(error.value, ValueError)
