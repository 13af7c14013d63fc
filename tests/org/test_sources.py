"""Sources: listing GitHub organisations and users and GitLab groups through their APIs (a local
stub answering as documented, pagination included), syncing records new, archived and deleted
repositories, and failures are one line that never holds the token."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from sqlalchemy import select, text
from tests.org.stubs import HostingStub, github_repo, gitlab_project, hosting_stub

from openaims.org import service
from openaims.org.interface import SourceError
from openaims.org.listing import list_source, list_urls, url_name
from openaims.register import history
from openaims.register.actors import Actor
from openaims.register.db import Database
from openaims.register.models.internal import HistoryEvent
from openaims.register.models.org import OrgRepository
from openaims.register.org.sources import SourceKind

ADMIN = Actor("admin")
VARIABLE = "AIMS_TEST_HOSTING_TOKEN"


def token() -> str:
    # Built at test time: nothing token-shaped is committed.
    return "".join(["ghp", "_", "Zq7", "Xw2Lm9" * 6])


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[HostingStub]:
    secret = token()
    monkeypatch.setenv(VARIABLE, secret)
    with hosting_stub(secret) as running:
        running.github_orgs["acme"] = [
            github_repo(f"acme/repo-{i}", f"https://git.example.org/acme/repo-{i}.git", archived=i == 3)
            for i in range(5)
        ]
        running.github_users["jane"] = [github_repo("jane/notes", "https://git.example.org/jane/notes.git")]
        running.gitlab_groups["platform/ml"] = [
            gitlab_project("platform/ml/api", "https://gitlab.example.org/platform/ml/api.git"),
            gitlab_project("platform/ml/sub/trainer", "https://gitlab.example.org/platform/ml/sub/trainer.git"),
            gitlab_project("platform/ml/old", "https://gitlab.example.org/platform/ml/old.git", archived=True),
        ]
        yield running


def test_github_organisation_listing_follows_link_pagination(stub: HostingStub) -> None:
    listed = list_source(SourceKind.GITHUB, "acme", api_url=stub.github_api, token_env=VARIABLE)
    assert [(r.name, r.archived) for r in listed] == [
        ("acme/repo-0", False), ("acme/repo-1", False), ("acme/repo-2", False), ("acme/repo-3", True),
        ("acme/repo-4", False),
    ]  # fmt: skip
    assert listed[0].clone_url == "https://git.example.org/acme/repo-0.git"
    assert listed[0].default_branch == "main"
    pages = [path for path, _ in stub.requests]
    assert pages == ["/github/orgs/acme/repos"] * 3


def test_github_user_when_the_name_is_not_an_organisation(stub: HostingStub) -> None:
    listed = list_source(SourceKind.GITHUB, "jane", api_url=stub.github_api, token_env=VARIABLE)
    assert [r.name for r in listed] == ["jane/notes"]
    assert [path for path, _ in stub.requests] == ["/github/orgs/jane/repos", "/github/users/jane/repos"]


def test_gitlab_group_listing_follows_x_next_page_with_subgroups(stub: HostingStub) -> None:
    listed = list_source(SourceKind.GITLAB, "platform/ml", api_url=stub.gitlab_api, token_env=VARIABLE)
    assert [(r.name, r.archived) for r in listed] == [
        ("platform/ml/api", False), ("platform/ml/sub/trainer", False), ("platform/ml/old", True),
    ]  # fmt: skip
    assert len(stub.requests) == 2
    assert all(headers.get("PRIVATE-TOKEN") == token() for _, headers in stub.requests)


@pytest.mark.parametrize("kind", [SourceKind.GITHUB, SourceKind.GITLAB])
def test_bad_token_is_one_line_naming_the_variable_not_the_token(
    stub: HostingStub, monkeypatch: pytest.MonkeyPatch, kind: SourceKind
) -> None:
    wrong = token()[::-1]
    monkeypatch.setenv(VARIABLE, wrong)
    api = stub.github_api if kind is SourceKind.GITHUB else stub.gitlab_api
    with pytest.raises(SourceError) as err:
        list_source(kind, "acme" if kind is SourceKind.GITHUB else "platform/ml", api_url=api, token_env=VARIABLE)
    assert "401" in err.value.message
    assert wrong not in err.value.message
    assert "\n" not in err.value.message


def test_unknown_organisation_and_unset_variable(stub: HostingStub, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SourceError, match="not found"):
        list_source(SourceKind.GITHUB, "nobody", api_url=stub.github_api, token_env=VARIABLE)
    monkeypatch.delenv(VARIABLE)
    with pytest.raises(SourceError, match=f"token variable {VARIABLE} is not set"):
        list_source(SourceKind.GITHUB, "acme", api_url=stub.github_api, token_env=VARIABLE)


def test_unreachable_api_is_one_line() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SourceError) as err:
        list_source(SourceKind.GITLAB, "group", api_url=f"http://127.0.0.1:{port}/api/v4")
    assert err.value.message.startswith(f"cannot reach 127.0.0.1:{port}")


def test_url_lists_name_repositories_and_refuse_ssh() -> None:
    assert url_name("https://git.example.org/acme/api.git") == "acme/api"
    assert url_name("file:///srv/git/tools.git") == "tools"
    assert [r.name for r in list_urls(["https://h/a/x.git", "# comment", "git://h/b/y"])] == ["a/x", "b/y"]
    with pytest.raises(SourceError, match="only https://"):
        list_urls(["ssh://git@h/a/x.git"])


def _everything(db: Database) -> str:
    """Every row of every table as text."""
    with db.read() as session:
        names = [r[0] for r in session.execute(text(
            "SELECT name FROM sqlite_master WHERE type='table'" if db.dialect == "sqlite" else
            "SELECT tablename FROM pg_tables WHERE schemaname='public'"
        ))]  # fmt: skip
        return "\n".join(str(row) for name in names for row in session.execute(text(f'SELECT * FROM "{name}"')))


def test_sync_records_new_archived_and_deleted_repositories(stub: HostingStub, database: Database) -> None:
    source, first = service.add_source(database, ADMIN, SourceKind.GITHUB, "acme", api_url=stub.github_api,
                                       token_env=VARIABLE)  # fmt: skip
    assert first is not None
    assert (len(first.new), first.archived, first.deleted) == (5, [], [])
    assert source.repositories == {"active": 4, "archived": 1}

    repos = stub.github_orgs["acme"]
    repos[1]["archived"] = True
    repos[3]["archived"] = False
    del repos[4]
    repos.append(github_repo("acme/new-service", "https://git.example.org/acme/new-service.git"))
    report = service.sync_source(database, ADMIN, source.name)
    assert (report.new, report.archived, report.unarchived, report.deleted) == (
        ["acme/new-service"], ["acme/repo-1"], ["acme/repo-3"], ["acme/repo-4"],
    )  # fmt: skip
    assert report.unchanged == 2

    with database.read() as session:
        states = dict(session.execute(select(OrgRepository.name, OrgRepository.state)).all())
        events = [
            (e.record_type, e.action, (e.after or e.before or {}).get("name"))
            for e in (history.EventOut.from_row(r) for r in session.execute(select(HistoryEvent)).scalars())
        ]
    assert states["acme/repo-4"] == "deleted"
    assert states["acme/repo-1"] == "archived"
    assert ("org_repository", "delete", "acme/repo-4") in events
    assert ("org_repository", "archived", "acme/repo-1") in events
    assert ("org_repository", "discover", "acme/new-service") in events
    assert ("org_source", "create", "github:acme") in events
    assert token() not in _everything(database)


def test_a_failing_source_is_recorded_and_the_others_sync(
    stub: HostingStub, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.add_source(database, ADMIN, SourceKind.GITLAB, "platform/ml", api_url=stub.gitlab_api,
                       token_env=VARIABLE)  # fmt: skip
    service.add_source(database, ADMIN, SourceKind.GITHUB, "acme", api_url=stub.github_api, token_env="AIMS_TEST_OTHER",
                       sync=False)  # fmt: skip
    wrong = token()[::-1]
    monkeypatch.setenv("AIMS_TEST_OTHER", wrong)
    reports = service.sync_all(database, ADMIN)
    assert [(r.source, r.error is None) for r in reports] == [("gitlab:platform/ml", True), ("github:acme", False)]
    assert reports[1].error is not None
    assert "401" in reports[1].error
    everything = _everything(database)
    assert "refused the token" in everything
    assert wrong not in everything
    assert token() not in everything


def test_a_token_given_instead_of_a_variable_name_is_refused_unstored(database: Database) -> None:
    from openaims.errors import UsageError

    with pytest.raises(UsageError, match="NAME of an environment variable") as err:
        service.add_source(database, ADMIN, SourceKind.GITHUB, "acme", token_env=token(), sync=False)
    assert token() not in err.value.message
    assert token() not in _everything(database)
