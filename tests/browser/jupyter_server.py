"""Start a private JupyterLab for browser tests, and stop it again by its process id.

Everything Jupyter would write goes into a temporary folder (config, data, runtime,
settings, workspaces), so the test sees a fresh JupyterLab with no dialogs and leaves
nothing behind. Extensions installed in the virtualenv (the ipywidgets manager) are
still found, because Jupyter always searches `sys.prefix/share/jupyter` as well.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# User settings that keep the browser test free of dialogs: never fetch news or
# updates, never pop notifications, start the notebook's kernel without asking.
# Windowing off: every cell of a long notebook stays in the page, so tests can find
# widgets far below the fold.
QUIET_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
        "doNotDisturbMode": True,
    },
    "@jupyterlab/notebook-extension/tracker": {
        "autoStartDefaultKernel": True,
        "windowingMode": "none",
    },
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class JupyterLabServer:
    """A JupyterLab process serving `root_dir` on 127.0.0.1 with a random token.

    Use as a context manager; `url(path)` gives an address with the token in it.
    """

    def __init__(
        self, root_dir: Path, state_dir: Path, *, startup_timeout: float = 180, app: str = "lab"
    ) -> None:
        self.app = app  # "lab" for JupyterLab, "notebook" for Notebook 7
        self.root_dir = root_dir
        self.state_dir = state_dir
        self.startup_timeout = startup_timeout
        self.port = free_port()
        self.token = secrets.token_hex(24)
        self.log_path = state_dir / "jupyter.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """The server's address, without the token."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """The address of `path` (e.g. 'lab/tree/x.ipynb') with the token attached."""
        return f"{self.base_url}/{path.lstrip('/')}?token={self.token}"

    def environment(self) -> dict[str, str]:
        """The process environment: isolated Jupyter folders, quiet settings."""
        folders = {
            name: self.state_dir / name
            for name in ("config", "data", "runtime", "settings", "workspaces")
        }
        for folder in folders.values():
            folder.mkdir(parents=True, exist_ok=True)
        for plugin, values in QUIET_SETTINGS.items():
            settings_file = folders["settings"] / f"{plugin}.jupyterlab-settings"
            settings_file.parent.mkdir(parents=True, exist_ok=True)
            settings_file.write_text(json.dumps(values))
        env = dict(os.environ)
        env.update(
            JUPYTER_CONFIG_DIR=str(folders["config"]),
            JUPYTER_DATA_DIR=str(folders["data"]),
            JUPYTER_RUNTIME_DIR=str(folders["runtime"]),
            JUPYTERLAB_SETTINGS_DIR=str(folders["settings"]),
            JUPYTERLAB_WORKSPACES_DIR=str(folders["workspaces"]),
            PYDEVD_DISABLE_FILE_VALIDATION="1",
        )
        return env

    def command(self) -> list[str]:
        """`jupyter lab` (or `jupyter notebook`) from this Python's virtualenv, so kernels
        use it too."""
        command = [
            str(Path(sys.executable).parent / f"jupyter-{self.app}"),
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            "--ServerApp.open_browser=False",
        ]
        if self.app == "lab":
            command.append("--LabApp.news_url=None")
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")  # containers and CI often run as root
        return command

    def start(self) -> None:
        """Start the server and wait until its API answers.

        The limit is generous because a first start in a fresh environment compiles
        every module it imports and builds JupyterLab's caches; a server that exits
        early fails at once, with its log.
        """
        self.state_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.command(), env=self.environment(), stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited early:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url("api/status"), timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        self.stop()
        raise TimeoutError(
            f"waited {self.startup_timeout:.0f} s for jupyter {self.app} to answer on"
            f" {self.base_url}/api/status; it did not. Its log:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """Terminate the server (it shuts its kernels down), then kill it if it hangs."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def log(self) -> str:
        """The server's output so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 25) -> str:
        """The last lines of the server's output (for a message that says what happened)."""
        return "\n".join(self.log().splitlines()[-lines:])

    def api(self, path: str) -> object:
        """GET one of the server's REST endpoints (e.g. 'api/kernels'); None if it fails."""
        try:
            with urllib.request.urlopen(self.url(path), timeout=5) as reply:
                return json.loads(reply.read().decode("utf-8"))
        except (OSError, ValueError):
            return None

    def kernel_states(self) -> list[str]:
        """The execution state of every running kernel ('starting', 'idle', 'busy'...)."""
        kernels = self.api("api/kernels")
        if not isinstance(kernels, list):
            return []
        return [
            str(kernel.get("execution_state")) for kernel in kernels if isinstance(kernel, dict)
        ]

    def __enter__(self) -> JupyterLabServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
