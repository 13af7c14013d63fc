"""What a source lists: the repositories of a GitHub organisation or user, of a GitLab group
(subgroups included), of a list of git URLs, or the checkouts in a directory.

The hosting APIs are read page by page as documented: GitHub's ``Link: <...>; rel="next"``
header, GitLab's ``X-Next-Page`` header. Their answers are untrusted input, read by the
bounded JSON reader. A token comes from the environment variable the source names, is
sent only in a request header, and never appears in an error message.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, urlsplit

from openaims.org.interface import SourceError, scrub, token_from
from openaims.register.org.sources import Listed, SourceKind
from openaims.untrusted import InputError, Limits, read_json

GITHUB_API: Final = "https://api.github.com"
GITLAB_API: Final = "https://gitlab.com/api/v4"
#: Most pages one listing reads (100 repositories a page).
MAX_PAGES: Final = 2000
#: Bounds on one API answer.
PAGE_LIMITS: Final = Limits(max_bytes=32 * 1024 * 1024, max_depth=64, max_elements=5_000_000)
TIMEOUT_S: Final = 30.0

Getter = Callable[[str, dict[str, str] | None], Any]


def list_source(
    kind: SourceKind,
    location: str,
    *,
    api_url: str | None = None,
    token_env: str | None = None,
    urls: list[str] | None = None,
) -> list[Listed]:
    """Every repository the source lists now; SourceError with one line when it cannot be listed."""
    if kind is SourceKind.DIR:
        return list_directory(Path(location))
    if kind is SourceKind.URLS:
        return list_urls(urls or [])
    token = token_from(token_env)
    if token_env and token is None:
        raise SourceError(f"the token variable {token_env} is not set (or empty) in this environment")
    if kind is SourceKind.GITHUB:
        return list(_github(location, api_url or GITHUB_API, token))
    return list(_gitlab(location, api_url or GITLAB_API, token))


# ------------------------------------------------------------------ directories and URL lists
def list_directory(root: Path) -> list[Listed]:
    """The git checkouts directly under ``root`` (each a directory holding ``.git``)."""
    if not root.is_dir():
        raise SourceError(f"{root} is not a directory of checkouts")
    found: list[Listed] = []
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as exc:
        raise SourceError(f"cannot read {root}: {exc.strerror}") from None
    for entry in entries:
        if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
            continue
        if (Path(entry.path) / ".git").exists():
            found.append(Listed(name=entry.name, clone_url=str(Path(entry.path).resolve())))
    return found


def url_name(url: str) -> str:
    """A repository's name from its URL: ``acme/api`` from ``https://host/acme/api.git``."""
    if "://" in url:
        parts = urlsplit(url)
        path, remote = parts.path, parts.scheme != "file"
    else:
        path, remote = url, False
    pieces = [p for p in path.strip("/").split("/") if p]
    if not pieces:
        return url
    pieces[-1] = pieces[-1].removesuffix(".git")
    return "/".join(pieces[-2:] if remote and len(pieces) >= 2 else pieces[-1:])


def list_urls(urls: list[str]) -> list[Listed]:
    out: dict[str, Listed] = {}
    for url in urls:
        url = url.strip()
        if not url or url.startswith("#"):
            continue
        scheme = urlsplit(url).scheme if "://" in url else ""
        if scheme not in {"https", "http", "git", "file"}:
            raise SourceError(
                f"{scrub(url)}: only https://, http://, git:// and file:// URLs can be fetched "
                "(ssh needs keys the workers do not hold; use https with a token)"
            )
        name = url_name(url)
        if name in out:
            name = url_name(url.replace("://", "/", 1)).replace("/", "-") + f"-{len(out)}"
        out[name] = Listed(name=name, clone_url=url)
    return list(out.values())


# ------------------------------------------------------------------ hosting APIs
def _client_get(token_header: dict[str, str], secret: str | None) -> Getter:
    import httpx

    client = httpx.Client(timeout=TIMEOUT_S, follow_redirects=False, headers=token_header)

    def get(url: str, params: dict[str, str] | None) -> Any:
        try:
            return client.get(url, params=params)
        except httpx.HTTPError as exc:
            where = urlsplit(url).netloc
            raise SourceError(f"cannot reach {where}: {scrub(str(exc) or type(exc).__name__, [secret])}") from None

    return get


def _page(response: Any, url: str, secret: str | None, what: str, token_env_hint: str) -> Any:
    where = urlsplit(url).netloc
    status = int(response.status_code)
    if status == 401:
        raise SourceError(f"{where} refused the token (401 Unauthorized): check {token_env_hint}")
    if status == 403:
        if response.headers.get("x-ratelimit-remaining") == "0":
            raise SourceError(f"{where} rate limit reached (403); try again later or use a token")
        raise SourceError(f"{where} refused access to {what} (403 Forbidden): the token lacks a scope")
    if status == 404:
        raise SourceError(f"{what} not found at {where} (404)")
    if status >= 400:
        raise SourceError(f"{where} answered {status} for {what}")
    try:
        data = read_json(response.content, f"{where} answer", limits=PAGE_LIMITS)
    except InputError as exc:
        raise SourceError(scrub(exc.message, [secret])) from None
    if not isinstance(data, list):
        raise SourceError(f"{where} answered for {what} with something that is not a list of repositories")
    return data


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _github(owner: str, api: str, token: str | None) -> Iterator[Listed]:
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
               "User-Agent": "openaims"}  # fmt: skip
    if token:
        headers["Authorization"] = f"Bearer {token}"
    get = _client_get(headers, token)
    hint = "the token variable" if token else "the organisation name (or give a token)"
    base = api.rstrip("/")
    url = f"{base}/orgs/{quote(owner, safe='')}/repos"
    params = {"per_page": "100", "type": "all"}
    first = get(url, params)
    if first.status_code == 404:  # not an organisation: a user
        url = f"{base}/users/{quote(owner, safe='')}/repos"
        params = {"per_page": "100", "type": "owner"}
        first = get(url, params)
    response = first
    pages = 0
    while True:
        pages += 1
        for item in _page(response, url, token, f"GitHub organisation or user {owner!r}", hint):
            if not isinstance(item, dict):
                continue
            name, clone = _text(item.get("full_name")), _text(item.get("clone_url"))
            if name and clone:
                yield Listed(name, clone, _text(item.get("default_branch")), bool(item.get("archived")))
        following = response.links.get("next", {}).get("url")
        if not following or pages >= MAX_PAGES:
            return
        url = str(following)
        response = get(url, None)  # the next page's URL holds its query


def _gitlab(group: str, api: str, token: str | None) -> Iterator[Listed]:
    headers = {"User-Agent": "openaims"}
    if token:
        headers["PRIVATE-TOKEN"] = token
    get = _client_get(headers, token)
    hint = "the token variable" if token else "the group path (or give a token)"
    url = f"{api.rstrip('/')}/groups/{quote(group.strip('/'), safe='')}/projects"
    params = {"per_page": "100", "include_subgroups": "true", "order_by": "id", "sort": "asc"}
    pages = 0
    while True:
        pages += 1
        response = get(url, params)
        for item in _page(response, url, token, f"GitLab group {group!r}", hint):
            if not isinstance(item, dict):
                continue
            name, clone = _text(item.get("path_with_namespace")), _text(item.get("http_url_to_repo"))
            if name and clone:
                yield Listed(name, clone, _text(item.get("default_branch")), bool(item.get("archived")))
        following = (response.headers.get("x-next-page") or "").strip()
        if not following or pages >= MAX_PAGES:
            return
        params = {**params, "page": following}
