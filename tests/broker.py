"""A real mosquitto broker for the tests, on a free loopback port, that can be killed and restarted."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.certs import TestCertificates

MOSQUITTO_PATHS = ("/usr/sbin/mosquitto", "/usr/bin/mosquitto")


def mosquitto_binary() -> str:
    found = shutil.which("mosquitto") or next((p for p in MOSQUITTO_PATHS if Path(p).exists()), None)
    if found is None:
        raise RuntimeError("mosquitto is not installed: `make test` installs it (apt-get install mosquitto)")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mosquitto:
    """``start``/``kill``/``stop`` a broker on 127.0.0.1:``port``, persisting sessions in ``folder``."""

    def __init__(self, folder: Path, port: int | None = None, tls: TestCertificates | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.tls = tls
        self.process: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)
        self.config = folder / "mosquitto.conf"
        tls_lines = f"cafile {tls.ca}\ncertfile {tls.cert}\nkeyfile {tls.key}\n" if tls else ""
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            + tls_lines
            + "allow_anonymous true\n"
            # as root, mosquitto drops to its own user, which cannot read the tests' private files
            + "user root\n"
            + "persistence true\n"
            f"persistence_location {folder}/\n"
            "autosave_interval 1\n"
            "log_type error\n"
            "log_type warning\n"
        )

    @property
    def url(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [mosquitto_binary(), "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.process.stderr.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen on port {self.port} within 10 s")

    def kill(self) -> None:
        """SIGKILL: the broker dies with no goodbye, as in a crash."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            self.process = None

    def stop(self) -> None:
        """SIGTERM: a clean stop (the broker saves its sessions)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None
