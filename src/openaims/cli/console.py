"""Shared rich consoles, progress and output files for the CLI."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from rich.console import Console
from rich.text import Text

from openaims.errors import UsageError
from openaims.untrusted.display import printable

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def plain(value: object, style: str = "") -> Text:
    """Text from outside (a scanned file's name, a record field) for a table or a line:
    control characters escaped visibly, rich markup shown as written."""
    return Text(printable(str(value)), style=style)


def write_file(path: Path, data: str | bytes) -> None:
    """Write an output file; a path that cannot be written is a UsageError naming why."""
    try:
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"cannot write {path}: the folder {path.parent} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"cannot write {path}: it is a directory") from None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def check_output(path: Path | None) -> None:
    """Refuse an output path that cannot be written before doing the work that fills it."""
    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"cannot write {path}: it is a directory")
    if not path.parent.is_dir():
        raise UsageError(f"cannot write {path}: the folder {path.parent} does not exist")


@contextlib.contextmanager
def scan_progress(enabled: bool = True) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr while a tree is scanned (only on a terminal)."""
    if not enabled or not err_console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("Scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("scan", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
