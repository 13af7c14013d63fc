"""A local HTTP stub of the GitHub and GitLab repository-listing APIs, answering as their
documentation says: JSON arrays of repositories, GitHub's ``Link: <...>; rel="next"`` and
GitLab's ``X-Next-Page`` pagination, 401 for a wrong token, 404 for an unknown owner."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class HostingStub:
    """Repositories per GitHub owner and GitLab group; the token every request must carry."""

    token: str
    github_orgs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    github_users: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    gitlab_groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    per_page: int = 2
    base: str = ""
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    @property
    def github_api(self) -> str:
        return f"{self.base}/github"

    @property
    def gitlab_api(self) -> str:
        return f"{self.base}/gitlab/api/v4"


def github_repo(full_name: str, clone_url: str, *, archived: bool = False, branch: str = "main") -> dict[str, Any]:
    owner, name = full_name.split("/", 1)
    return {"id": abs(hash(full_name)) % 10**8, "name": name, "full_name": full_name, "private": False,
            "owner": {"login": owner}, "clone_url": clone_url, "default_branch": branch, "archived": archived,
            "disabled": False, "fork": False, "pushed_at": "2026-11-01T10:00:00Z"}  # fmt: skip


def gitlab_project(path: str, clone_url: str, *, archived: bool = False, branch: str = "main") -> dict[str, Any]:
    return {"id": abs(hash(path)) % 10**8, "name": path.rsplit("/", 1)[-1], "path_with_namespace": path,
            "http_url_to_repo": clone_url, "default_branch": branch, "archived": archived,
            "last_activity_at": "2026-11-01T10:00:00Z"}  # fmt: skip


def _handler(stub: HostingStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            stub.requests.append((parts.path, dict(self.headers)))
            if parts.path.startswith("/github/"):
                self._github(parts.path.removeprefix("/github"), query)
            elif parts.path.startswith("/gitlab/api/v4/"):
                self._gitlab(parts.path.removeprefix("/gitlab/api/v4"), query)
            else:
                self._send(404, {"message": "Not Found"})

        def _github(self, path: str, query: dict[str, str]) -> None:
            if self.headers.get("Authorization") != f"Bearer {stub.token}":
                self._send(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
                return
            pieces = path.strip("/").split("/")
            if len(pieces) != 3 or pieces[2] != "repos":
                self._send(404, {"message": "Not Found"})
                return
            table = stub.github_orgs if pieces[0] == "orgs" else stub.github_users if pieces[0] == "users" else {}
            repos = table.get(unquote(pieces[1]))
            if repos is None:
                self._send(404, {"message": "Not Found"})
                return
            per_page = min(int(query.get("per_page", "30")), stub.per_page)
            page = int(query.get("page", "1"))
            chunk = repos[(page - 1) * per_page : page * per_page]
            headers = {}
            if page * per_page < len(repos):
                nxt = f"{stub.github_api}{path}?per_page={query.get('per_page', '30')}&page={page + 1}"
                last = (len(repos) + per_page - 1) // per_page
                headers["Link"] = (f'<{nxt}>; rel="next", <{stub.github_api}{path}?per_page='
                                   f'{query.get("per_page", "30")}&page={last}>; rel="last"')  # fmt: skip
            self._send(200, chunk, headers)

        def _gitlab(self, path: str, query: dict[str, str]) -> None:
            if self.headers.get("PRIVATE-TOKEN") != stub.token:
                self._send(401, {"message": "401 Unauthorized"})
                return
            pieces = path.strip("/").split("/")
            if len(pieces) != 3 or pieces[0] != "groups" or pieces[2] != "projects":
                self._send(404, {"message": "404 Not Found"})
                return
            projects = stub.gitlab_groups.get(unquote(pieces[1]))
            if projects is None:
                self._send(404, {"message": "404 Group Not Found"})
                return
            per_page = min(int(query.get("per_page", "20")), stub.per_page)
            page = int(query.get("page", "1"))
            chunk = projects[(page - 1) * per_page : page * per_page]
            more = page * per_page < len(projects)
            headers = {"X-Page": str(page), "X-Per-Page": str(per_page), "X-Next-Page": str(page + 1) if more else "",
                       "X-Total": str(len(projects))}  # fmt: skip
            self._send(200, chunk, headers)

    return Handler


@contextmanager
def hosting_stub(token: str) -> Iterator[HostingStub]:
    stub = HostingStub(token=token)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    stub.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
