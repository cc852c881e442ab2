"""A stand-in for the Hugging Face hub on 127.0.0.1, so the downloader is tested offline.

It answers the two requests `huggingface_hub.hf_hub_download` makes for one file
(a HEAD for its metadata, then a GET, with a Range header when resuming) for the
files it is given, and the hub's own 404 errors (`X-Error-Code: RepoNotFound` or
`EntryNotFound`) for anything else. Point the downloader at it with `endpoint=`.
"""

from __future__ import annotations

import hashlib
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COMMIT = "0123456789abcdef0123456789abcdef01234567"
_PATH = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<revision>[^/]+)/(?P<file>.+)$")


class FakeHub:
    """Serve `files` ({"owner/repo/file.gguf": bytes}) like the hub; use as a context manager.

    With `cut_after`, each download sends that many bytes and then drops the
    connection, the way a flaky network does.
    """

    def __init__(self, files: dict[str, bytes], *, cut_after: int | None = None) -> None:
        self.files = files
        self.cut_after = cut_after  # send only this many bytes of a file, then hang up
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, Range header)
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:  # noqa: N802 (the http.server naming)
                hub._answer(self, with_body=False)

            def do_GET(self) -> None:  # noqa: N802
                hub._answer(self, with_body=True)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def _answer(self, handler: BaseHTTPRequestHandler, *, with_body: bool) -> None:
        self.requests.append((handler.command, handler.path, handler.headers.get("Range")))
        match = _PATH.match(handler.path.split("?")[0])
        repo = match["repo"] if match else None
        if repo is None or not any(name.startswith(repo + "/") for name in self.files):
            self._error(handler, "RepoNotFound", "Repository not found")
            return
        data = self.files.get(f"{repo}/{match['file']}") if match else None
        if data is None:
            self._error(handler, "EntryNotFound", "Entry not found")
            return
        start = 0
        wanted = handler.headers.get("Range")
        if with_body and wanted and wanted.startswith("bytes="):
            start = int(wanted[6:].split("-")[0] or 0)
        handler.send_response(206 if start else 200)
        handler.send_header("X-Repo-Commit", COMMIT)
        handler.send_header("ETag", '"' + hashlib.sha256(data).hexdigest() + '"')
        handler.send_header("Content-Length", str(len(data) - start))
        handler.send_header("Content-Type", "application/octet-stream")
        handler.end_headers()
        if not with_body:
            return
        if self.cut_after is not None:  # a connection that drops half-way
            handler.wfile.write(data[start : start + self.cut_after])
            handler.wfile.flush()
            handler.close_connection = True
            return
        handler.wfile.write(data[start:])

    @staticmethod
    def _error(handler: BaseHTTPRequestHandler, code: str, message: str) -> None:
        handler.send_response(404)
        handler.send_header("X-Error-Code", code)
        handler.send_header("X-Error-Message", message)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def __enter__(self) -> FakeHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def closed_port_url() -> str:
    """The address of a port on 127.0.0.1 that nothing listens on (connections are refused)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def file_bytes(path: Path) -> bytes:
    """A file's bytes (for serving a tiny model)."""
    return Path(path).read_bytes()
