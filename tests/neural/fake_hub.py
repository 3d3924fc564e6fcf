"""A Hugging Face Hub on 127.0.0.1: the parts of its HTTP API that huggingface_hub's downloads use.

    GET  /api/models/OWNER/NAME[/revision/REV]        model info: sha (the commit) and siblings
    GET  /api/models/OWNER/NAME/tree/REV              the file list (path, size, oid)
    HEAD /OWNER/NAME/resolve/REV/PATH                 ETag, X-Repo-Commit, Content-Length
    GET  /OWNER/NAME/resolve/REV/PATH                 the file; `Range: bytes=N-` answers 206

Errors carry the hub's `X-Error-Code` header (RepoNotFound, RevisionNotFound, EntryNotFound), which
huggingface_hub turns into its typed exceptions. Faults for tests: `cut_once[path] = N` sends the
first full GET of PATH with its whole Content-Length but only N bytes, then drops the connection;
`cut_always` drops every GET of its paths before the first byte (a network that keeps failing);
`unavailable` is a set of paths answered 503. Every request is recorded in `requests`.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

API_RE = re.compile(r"^/api/models/([^/]+/[^/]+)(?:/revision/([^/]+))?$")
TREE_RE = re.compile(r"^/api/models/([^/]+/[^/]+)/tree/([^/]+)$")
RESOLVE_RE = re.compile(r"^/([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")
RANGE_RE = re.compile(r"^bytes=(\d+)-$")


@dataclass
class Repo:
    """One model repository at one commit: its files, read from a directory."""

    directory: Path
    commit: str = "0123456789abcdef0123456789abcdef01234567"
    branch: str = "main"

    def files(self) -> dict[str, Path]:
        return {
            p.relative_to(self.directory).as_posix(): p
            for p in sorted(self.directory.rglob("*"))
            if p.is_file()
        }

    def knows(self, revision: str | None) -> bool:
        return revision in (None, self.branch, self.commit)


@dataclass
class Request:
    method: str
    path: str
    range: str | None


@dataclass
class FakeHub:
    repos: dict[str, Repo]
    cut_once: dict[str, int] = field(default_factory=dict)
    cut_always: set[str] = field(default_factory=set)
    unavailable: set[str] = field(default_factory=set)
    requests: list[Request] = field(default_factory=list)
    url: str = ""

    def gets(self, filename: str) -> list[Request]:
        """The GET requests for one file's content."""
        return [
            r
            for r in self.requests
            if r.method == "GET" and r.path.endswith("/" + filename) and "/resolve/" in r.path
        ]


def _etag(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    hub: FakeHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, code: str, message: str) -> None:
        body = json.dumps({"error": message}).encode()
        self._send(
            status,
            body,
            {"X-Error-Code": code, "X-Error-Message": message, "Content-Type": "application/json"},
        )

    def _json(self, data: object) -> None:
        self._send(200, json.dumps(data).encode(), {"Content-Type": "application/json"})

    def do_GET(self) -> None:
        self._route()

    def do_HEAD(self) -> None:
        self._route()

    def _route(self) -> None:
        path = unquote(urlparse(self.path).path)
        self.hub.requests.append(Request(self.command, path, self.headers.get("Range")))
        for pattern, handler in ((TREE_RE, self._tree), (API_RE, self._info), (RESOLVE_RE, self._file)):
            match = pattern.match(path)
            if match:
                handler(*match.groups())
                return
        self._error(404, "EntryNotFound", f"no route {path}")

    def _repo(self, repo_id: str, revision: str | None) -> Repo | None:
        repo = self.hub.repos.get(repo_id)
        if repo is None:
            self._error(404, "RepoNotFound", f"Repository not found: {repo_id}")
            return None
        if not repo.knows(revision):
            self._error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
            return None
        return repo

    def _info(self, repo_id: str, revision: str | None) -> None:
        repo = self._repo(repo_id, revision)
        if repo:
            siblings = [{"rfilename": name} for name in repo.files()]
            self._json(
                {
                    "id": repo_id,
                    "modelId": repo_id,
                    "sha": repo.commit,
                    "siblings": siblings,
                    "private": False,
                }
            )

    def _tree(self, repo_id: str, revision: str) -> None:
        repo = self._repo(repo_id, revision)
        if repo:
            entries = [
                {"type": "file", "path": name, "size": p.stat().st_size, "oid": _etag(p)[:40]}
                for name, p in repo.files().items()
            ]
            self._json(entries)

    def _file(self, repo_id: str, revision: str, filename: str) -> None:
        repo = self._repo(repo_id, revision)
        if not repo:
            return
        source = repo.files().get(filename)
        if source is None:
            self._error(404, "EntryNotFound", f"{filename} does not exist")
            return
        if filename in self.hub.unavailable:
            self._error(503, "ServiceUnavailable", "the hub is down")
            return
        data = source.read_bytes()
        headers = {"ETag": f'"{_etag(source)}"', "X-Repo-Commit": repo.commit, "Accept-Ranges": "bytes"}
        if self.command == "HEAD":
            self.send_response(200)
            for key, value in {**headers, "Content-Length": str(len(data))}.items():
                self.send_header(key, value)
            self.end_headers()
            return
        self._body(filename, data, headers)

    def _body(self, filename: str, data: bytes, headers: dict[str, str]) -> None:
        match = RANGE_RE.match(self.headers.get("Range") or "")
        start = int(match.group(1)) if match else 0
        status = 206 if match else 200
        if match:
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        cut = self.hub.cut_once.pop(filename, None) if not match else None
        cut = 0 if filename in self.hub.cut_always else cut
        self.send_response(status)
        for key, value in {**headers, "Content-Length": str(len(data) - start)}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data[start:] if cut is None else data[start : start + cut])
        if cut is not None:
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)


@contextmanager
def serve(hub: FakeHub) -> Iterator[FakeHub]:
    """Runs the hub on 127.0.0.1 (port 0) in a thread; `hub.url` is its endpoint."""
    handler = type("Handler", (_Handler,), {"hub": hub})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="fake-hub", daemon=True)
    thread.start()
    hub.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
