"""The scan engine: walk a tree, run the detectors on each file, in parallel.

The main process walks the tree (a generator) and hands batches of paths to a
pool of worker processes, keeping only a few batches in flight. A worker reads
each file once (bounded), runs the combined prefilter, runs the detectors that
want the file and whose fragments occur, and sends back findings and counters,
never file contents. Memory therefore grows with the number of findings, not
with the size of the tree.

A detector that raises does not stop the scan: the error is recorded in the
statistics (path, detector id, one line) and the scan goes on.

Time is bounded by deadlines, checked between files and between detectors and
passed to the detectors that do long work (model files): each file has a
wall-clock budget (``ScanOptions.file_timeout``) and the whole scan may have one
(``ScanOptions.timeout``). A file a bound cut short is listed in the statistics
(``cut_short``) with the reason; once the scan's budget is spent the walk stops and
the files already handed out are listed as not scanned. Post-processors
run once over all findings at the end; the result is sorted and de-duplicated.
"""

from __future__ import annotations

import dis
import inspect
import itertools
import multiprocessing
import os
import sys
import time
import types
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from openaims.discovery import sanitise
from openaims.discovery.fileview import LocalFileView, looks_binary
from openaims.discovery.interface import (
    CutShort,
    Detector,
    Finding,
    PostProcessor,
    ScanOptions,
    Unparsed,
    UnparsedError,
)
from openaims.discovery.prefilter import Prefilter
from openaims.discovery.walker import Ignorer, SkipReason, WalkEntry, entries_for, walk
from openaims.errors import AimsError, UsageError

#: Told ``(files done, files found so far)``; the second number grows while the walk runs.
ProgressCallback = Callable[[int, int], None]

#: A batch closes at this many files or this many bytes (of bounded reads).
BATCH_FILES = 128
BATCH_BYTES = 16 * 1024 * 1024
#: At most this many errors are kept in the statistics (all are counted).
MAX_ERRORS_KEPT = 200
#: At most this many files cut short are listed in the statistics (all are counted).
MAX_CUT_SHORT_KEPT = 1000
_MESSAGE_CHARS = 300


@dataclass(frozen=True, slots=True)
class ScanError:
    """A detector (or post-processor) that failed on one file; the scan went on."""

    path: str
    detector: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "detector": self.detector, "message": self.message}


@dataclass(slots=True)
class ScanStats:
    """What a scan looked at. Serialised as the report's ``stats`` object."""

    files_seen: int = 0
    files_scanned: int = 0
    bytes_scanned: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_provider: dict[str, int] = field(default_factory=dict)
    errors: list[ScanError] = field(default_factory=list)
    error_count: int = 0
    jobs: int = 1
    detectors: list[str] = field(default_factory=list)
    #: Ignore-file lines over a bound, not used: ``{"path", "line", "reason"}`` (the first 200).
    skipped_patterns: list[dict[str, Any]] = field(default_factory=list)
    #: Files a fail-closed detector (manifests, lock files) could not read fully, with why.
    unparsed: list[Unparsed] = field(default_factory=list)
    #: Files whose analysis a bound (time, size, count, ratio) cut short, with why (the first 1,000).
    cut_short: list[CutShort] = field(default_factory=list)
    cut_short_count: int = 0
    #: The wall-clock budgets: seconds per file and for the scan (``None``: none).
    file_timeout: float | None = None
    timeout: float | None = None
    #: Whether the scan's budget ran out (the walk stopped; files not reached are not listed).
    timed_out: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "files_seen": self.files_seen,
            "files_scanned": self.files_scanned,
            "bytes_scanned": self.bytes_scanned,
            "skipped": dict(sorted(self.skipped.items())),
            "duration_s": round(self.duration_s, 3),
            "by_kind": dict(sorted(self.by_kind.items())),
            "by_provider": dict(sorted(self.by_provider.items())),
            "errors": [e.to_dict() for e in self.errors],
            "error_count": self.error_count,
            "jobs": self.jobs,
            "detectors": list(self.detectors),
            "skipped_patterns": list(self.skipped_patterns),
            "unparsed": [u.to_dict() for u in self.unparsed],
            "time_budget": {"file_s": self.file_timeout, "scan_s": self.timeout, "exhausted": self.timed_out},
            "cut_short": [c.to_dict() for c in self.cut_short],
            "cut_short_count": self.cut_short_count,
        }


@dataclass(slots=True)
class ScanResult:
    """Findings (sorted, de-duplicated) and statistics of one scan."""

    root: Path
    findings: list[Finding]
    stats: ScanStats
    options: ScanOptions
    #: The git revision of ``--since``, when only changed files were scanned.
    since: str | None = None

    def to_report(self) -> dict[str, Any]:
        """The versioned JSON report (see ``docs/scan-report.md``)."""
        from openaims.discovery.report import build_report

        return build_report(self)


@dataclass(slots=True)
class _Partial:
    """What a worker sends back for one batch."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    files_scanned: int = 0
    bytes_scanned: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    errors: list[ScanError] = field(default_factory=list)
    error_count: int = 0
    unparsed: list[Unparsed] = field(default_factory=list)
    cut_short: list[CutShort] = field(default_factory=list)
    cut_short_count: int = 0
    #: Files not scanned because the scan's time budget was spent.
    not_scanned: int = 0

    def add_cut_short(self, path: str, detector: str, reason: str) -> None:
        self.cut_short_count += 1
        if len(self.cut_short) < MAX_CUT_SHORT_KEPT:
            self.cut_short.append(CutShort(sanitise.text(path), detector, sanitise.text(reason)))

    def add_unparsed(self, path: str, detector: str, reason: str) -> None:
        self.unparsed.append(Unparsed(sanitise.text(path), detector, sanitise.text(reason)))

    def add_error(self, path: str, detector: str, exc: BaseException) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(scan_error(path, detector, exc))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def scan_error(path: str, detector: str, exc: BaseException) -> ScanError:
    """The error as the report keeps it: path and message with keys masked."""
    return ScanError(sanitise.text(path), detector, sanitise.text(one_line(exc)))


def _seconds(value: float) -> str:
    return f"{value:g} s"


def one_line(exc: BaseException) -> str:
    """``Type: message`` on one bounded line."""
    text = " ".join(str(exc).split())
    line = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return line if len(line) <= _MESSAGE_CHARS else line[: _MESSAGE_CHARS - 1] + "…"


class _Engine:
    """Per-process scanning state: detectors, prefilter, options."""

    def __init__(self, options: ScanOptions, detectors: Sequence[Detector]) -> None:
        self.options = options
        self.detectors = list(detectors)
        self.real_root = os.path.realpath(options.root)
        self.file_timeout = options.file_timeout if options.file_timeout else None
        self.prefilter = Prefilter(self.detectors)
        self.text = [i for i, d in enumerate(self.detectors) if not d.binary]
        self.binary = [i for i, d in enumerate(self.detectors) if d.binary]
        # ``wants`` of most detectors reads only the file name: their answers
        # are kept per name; the others are asked for every file.
        by_name = [_wants_reads_only_name(d) for d in self.detectors]
        self.text_by_name = [i for i in self.text if by_name[i]]
        self.text_by_path = [i for i in self.text if not by_name[i]]
        self.binary_by_name = [i for i in self.binary if by_name[i]]
        self.binary_by_path = [i for i in self.binary if not by_name[i]]
        self._wanted_by_name: dict[str, tuple[list[int], list[int]]] = {}

    def scan_batch(self, batch: Sequence[WalkEntry]) -> _Partial:
        out = _Partial()
        for entry in batch:
            out.files += 1
            self.scan_entry(entry, out)
        return out

    def _wanting(self, indices: list[int], entry: WalkEntry, out: _Partial) -> list[int]:
        wanted = []
        for index in indices:
            try:
                if self.detectors[index].wants(entry.path, entry.name):
                    wanted.append(index)
            except Exception as exc:
                out.add_error(entry.path, self.detectors[index].id, exc)
        return wanted

    def _wanted(self, entry: WalkEntry, out: _Partial) -> tuple[list[int], list[int]]:
        """Indices of the text and binary detectors that want ``entry``, in order."""
        cached = self._wanted_by_name.get(entry.name)
        if cached is None:
            errors = out.error_count
            cached = (self._wanting(self.text_by_name, entry, out), self._wanting(self.binary_by_name, entry, out))
            if out.error_count == errors:  # a detector that raised is asked again next time
                if len(self._wanted_by_name) >= _WANTS_CACHE_NAMES:
                    self._wanted_by_name.clear()
                self._wanted_by_name[entry.name] = cached
        text, binary = cached
        if self.text_by_path:
            text = sorted(text + self._wanting(self.text_by_path, entry, out))
        if self.binary_by_path:
            binary = sorted(binary + self._wanting(self.binary_by_path, entry, out))
        return text, binary

    def _deadline(self, entry: WalkEntry, out: _Partial) -> tuple[bool, float | None]:
        """``(go on, deadline of the file)``; past the scan's deadline the file is listed as not scanned."""
        options = self.options
        if options.deadline is None and self.file_timeout is None:
            return True, None
        now = time.monotonic()
        if options.deadline is not None and now >= options.deadline:
            budget = _seconds(options.timeout or 0)
            out.add_cut_short(entry.path, "scan", f"not scanned: the scan's time budget ({budget}) was spent")
            out.not_scanned += 1
            return False, None
        deadlines = [d for d in (options.deadline, now + self.file_timeout if self.file_timeout else None) if d]
        return True, min(deadlines)

    def scan_entry(self, entry: WalkEntry, out: _Partial) -> None:
        wanted_text, wanted_binary = self._wanted(entry, out)
        if not wanted_text and not wanted_binary:
            return
        go_on, deadline = self._deadline(entry, out)
        if not go_on:
            return
        options = self.options
        view = LocalFileView(
            entry.path,
            entry.name,
            entry.abspath,
            entry.size,
            options=options,
            real_root=self.real_root,
            deadline=deadline,
        )
        scanned = False
        if wanted_text:
            closed = [i for i in wanted_text if self.detectors[i].fail_closed]
            if entry.size > options.max_text_bytes:
                # Past --max-file-size only fail-closed detectors (manifests) read, up to their own bound.
                limit = max(options.max_text_bytes, options.max_manifest_bytes)
                wanted_text = closed if entry.size <= limit else []
                if closed and not wanted_text:
                    self._unparsed(closed, entry.path, f"larger than {_megabytes(limit)}; not read", out)
                if not wanted_text and not wanted_binary:
                    out.skipped[SkipReason.TOO_LARGE.value] += 1
            if wanted_text:
                if entry.size > options.max_text_bytes:
                    view = LocalFileView(
                        entry.path,
                        entry.name,
                        entry.abspath,
                        entry.size,
                        options=replace(options, max_text_bytes=options.max_manifest_bytes),
                        real_root=self.real_root,
                        deadline=deadline,
                    )
                try:
                    data = view.data()
                except OSError as exc:
                    out.skipped[SkipReason.UNREADABLE.value] += 1
                    self._unparsed(closed, entry.path, f"unreadable: {exc.strerror or exc}", out)
                    return
                scanned = True
                out.bytes_scanned += len(data)
                if looks_binary(data):
                    out.skipped[SkipReason.BINARY.value] += 0 if wanted_binary else 1
                    self._unparsed(closed, entry.path, "contains NUL bytes, so it was taken for binary; not read", out)
                else:
                    for index in sorted(self.prefilter.select(data, wanted_text)):
                        if not self._run(index, view, out):
                            wanted_binary = []
                            break
        if wanted_binary:
            if entry.size > options.max_binary_bytes:
                out.skipped[SkipReason.TOO_LARGE.value] += 1
            else:
                if not scanned:
                    out.bytes_scanned += entry.size
                scanned = True
                for index in wanted_binary:
                    if not self._run(index, view, out):
                        break
        if scanned:
            out.files_scanned += 1

    def _unparsed(self, indices: list[int], path: str, reason: str, out: _Partial) -> None:
        for index in indices:
            out.add_unparsed(path, self.detectors[index].id, reason)

    def _time_left(self, view: LocalFileView, detector: Detector, out: _Partial) -> bool:
        """Whether ``detector`` may still run on the file; if not, the file is listed as cut short."""
        deadline = view.deadline()
        if deadline is None or time.monotonic() < deadline:
            return True
        options = self.options
        if options.deadline is not None and deadline >= options.deadline:
            budget = f"the scan's time budget ({_seconds(options.timeout or 0)})"
        else:
            budget = f"the time budget of the file ({_seconds(self.file_timeout or 0)})"
        out.add_cut_short(view.path, detector.id, f"{budget} was spent before {detector.id} ran")
        return False

    def _run(self, index: int, view: LocalFileView, out: _Partial) -> bool:
        """Run one detector on the file; ``False`` when its time budget is spent (run no more)."""
        detector = self.detectors[index]
        if not self._time_left(view, detector, out):
            return False
        view.cut_reason = None
        try:
            found = list(detector.scan(view))
            for finding in found:
                if not isinstance(finding, Finding):
                    raise TypeError(f"scan() returned a {type(finding).__name__}, not a Finding")
        except UnparsedError as exc:
            if not detector.fail_closed:
                out.add_error(view.path, detector.id, exc)
                return True
            out.add_unparsed(view.path, detector.id, exc.reason)
            found = [finding for finding in exc.findings if isinstance(finding, Finding)]
        except Exception as exc:  # isolate the detector: record, go on
            out.add_error(view.path, detector.id, exc)
            return True
        finally:
            if view.cut_reason is not None:
                out.add_cut_short(view.path, detector.id, view.cut_reason)
        # The gate: nothing a detector copied from the tree leaves with a key in it.
        out.findings.extend(sanitise.finding(finding) for finding in found)
        return True


#: At most this many file names' detector lists are kept per process.
_WANTS_CACHE_NAMES = 65536
_NAME_ONLY_UNSAFE = frozenset({"locals", "vars", "globals", "eval", "exec"})


def _wants_reads_only_name(detector: Detector) -> bool:
    """Whether ``detector.wants(path, name)`` never reads ``path`` (so its
    answer for a file name holds for every file of that name): its code
    object is inspected, and anything unusual counts as reading the path."""
    function = getattr(type(detector).wants, "__code__", None)
    if function is None or "wants" in vars(detector):
        return False
    code: types.CodeType = function
    if code.co_argcount != 3 or code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        return False
    path_name = code.co_varnames[1]
    if path_name in code.co_cellvars or _NAME_ONLY_UNSAFE & set(code.co_names):
        return False
    return all(instruction.argval != path_name for instruction in dis.get_instructions(code))


#: The engine of a worker process (set by the pool initializer).
_WORKER: _Engine | None = None


def _init_worker(options: ScanOptions, detectors: Sequence[Detector]) -> None:
    global _WORKER  # noqa: PLW0603 - one engine per worker process
    _WORKER = _Engine(options, detectors)


def _adopt_engine(engine: _Engine) -> None:
    """Fork start: the parent's engine (compiled prefilter included) arrives by fork, unpickled."""
    global _WORKER  # noqa: PLW0603 - one engine per worker process
    _WORKER = engine


def _scan_in_worker(batch: list[WalkEntry]) -> _Partial:
    if _WORKER is None:  # pragma: no cover - the initializer always ran
        raise RuntimeError("scan worker not initialised")
    return _WORKER.scan_batch(batch)


def default_jobs() -> int:
    """The number of CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _batches(
    entries: Iterable[WalkEntry], counter: list[int], deadline: float | None = None, stopped: list[bool] | None = None
) -> Iterator[list[WalkEntry]]:
    """Batches of the walk; the walk stops at ``deadline`` (``stopped[0]`` then says so)."""
    batch: list[WalkEntry] = []
    size = 0
    for entry in entries:
        if deadline is not None and time.monotonic() >= deadline:
            if stopped is not None:
                stopped[0] = True
            break
        counter[0] += 1
        batch.append(entry)
        size += entry.size
        if len(batch) >= BATCH_FILES or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _check_ids(ids: list[str]) -> None:
    if len(set(ids)) != len(ids):
        raise AimsError(f"duplicate detector ids: {sorted({i for i in ids if ids.count(i) > 1})}")


def unique_sorted(findings: Iterable[Finding]) -> list[Finding]:
    """Findings without duplicates, in report order."""
    seen: dict[Finding, None] = {}
    for finding in findings:
        seen.setdefault(finding, None)
    # The order of ``_order``; its costly last part is only computed to break
    # ties of ``sort_key`` (rare).
    keyed = sorted(((finding.sort_key(), finding) for finding in seen), key=lambda pair: pair[0])
    out: list[Finding] = []
    i = 0
    while i < len(keyed):
        j = i + 1
        while j < len(keyed) and keyed[j][0] == keyed[i][0]:
            j += 1
        if j - i == 1:
            out.append(keyed[i][1])
        else:
            out.extend(sorted((pair[1] for pair in keyed[i:j]), key=_order))
        i = j
    return out


def _order(finding: Finding) -> tuple[Any, ...]:
    return (*finding.sort_key(), repr(sorted(finding.to_dict().items())))


class Scanner:
    """Scans a tree (or some of its files) with every detector."""

    def __init__(
        self,
        options: ScanOptions,
        *,
        jobs: int | None = None,
        detectors: Sequence[Detector] | None = None,
        postprocessors: Sequence[PostProcessor] | None = None,
    ) -> None:
        root = Path(options.root)
        if not root.exists():
            raise UsageError(f"{root} does not exist; give the directory to scan")
        if not root.is_dir():
            raise UsageError(f"{root} is not a directory; give the directory to scan")
        if options.max_text_bytes < 0 or options.max_binary_bytes < 0:
            raise UsageError("file size bounds must not be negative")
        if jobs is not None and jobs < 1:
            raise UsageError(f"--jobs must be at least 1 (got {jobs})")
        if options.timeout is not None and not options.timeout > 0:
            raise UsageError(f"--timeout must be a positive number of seconds (got {options.timeout:g})")
        if options.file_timeout is not None and not options.file_timeout >= 0:
            raise UsageError(f"--file-timeout must be 0 (no budget) or a positive number of seconds "
                             f"(got {options.file_timeout:g})")  # fmt: skip
        self.options = options
        self.jobs = jobs if jobs is not None else default_jobs()
        # The default detectors are imported on first use: a tree without a file to
        # look at needs none (their ids come from the registry's index).
        self._detectors = list(detectors) if detectors is not None else None
        self._postprocessors = (
            list(postprocessors) if postprocessors is not None else [] if detectors is not None else None
        )
        if self._detectors is not None:
            _check_ids([d.id for d in self._detectors])

    @property
    def detectors(self) -> list[Detector]:
        """The detectors of the scan (the default ones are imported now)."""
        if self._detectors is None:
            from openaims.discovery.registry import all_detectors

            detectors = all_detectors()
            _check_ids([d.id for d in detectors])
            self._detectors = detectors
        return self._detectors

    @property
    def postprocessors(self) -> list[PostProcessor]:
        if self._postprocessors is None:
            from openaims.discovery.registry import all_postprocessors

            self._postprocessors = all_postprocessors()
        return self._postprocessors

    def detector_ids(self) -> list[str]:
        """The ids of the detectors, without importing the default ones."""
        if self._detectors is None:
            from openaims.discovery.registry import detector_ids

            return list(detector_ids())
        return [d.id for d in self._detectors]

    # ------------------------------------------------------------------ public

    def scan(self, paths: Iterable[str] | None = None, progress: ProgressCallback | None = None) -> ScanResult:
        """Scan the whole tree, or only ``paths`` (relative to the root, or absolute inside it)."""
        started = time.perf_counter()
        options = self.options
        if options.timeout and options.deadline is None:
            options = replace(options, deadline=time.monotonic() + options.timeout)
        root = Path(options.root)
        skipped: Counter[str] = Counter()

        def on_skip(path: str, reason: SkipReason) -> None:
            skipped[reason.value] += 1

        ignorer = Ignorer(root, include_vendored=options.include_vendored, on_skip=on_skip)
        if paths is None:
            entries = walk(root, include_vendored=options.include_vendored, on_skip=on_skip, ignorer=ignorer)
        else:
            entries = entries_for(
                root,
                self._relative(root, paths),
                include_vendored=options.include_vendored,
                on_skip=on_skip,
                ignorer=ignorer,
            )
        stats = ScanStats(
            jobs=self.jobs,
            detectors=self.detector_ids(),
            file_timeout=options.file_timeout or None,
            timeout=options.timeout or None,
        )
        seen = [0]
        stopped = [False]
        findings: list[Finding] = []
        batches = _batches(entries, seen, options.deadline, stopped)
        for part in self._run(options, batches, seen, progress):
            findings.extend(part.findings)
            stats.files_scanned += part.files_scanned
            stats.bytes_scanned += part.bytes_scanned
            skipped.update(part.skipped)
            stats.error_count += part.error_count
            room = MAX_ERRORS_KEPT - len(stats.errors)
            if room > 0:
                stats.errors.extend(part.errors[:room])
            stats.unparsed.extend(part.unparsed)
            stats.cut_short_count += part.cut_short_count
            stats.cut_short.extend(part.cut_short[: MAX_CUT_SHORT_KEPT - len(stats.cut_short)])
            stats.timed_out = stats.timed_out or part.not_scanned > 0
        stats.timed_out = stats.timed_out or stopped[0]
        stats.files_seen = seen[0]
        stats.skipped_patterns = [
            {"path": sanitise.text(path), "line": line, "reason": sanitise.text(reason)}
            for path, line, reason in ignorer.skipped_patterns
        ]
        stats.unparsed.sort(key=lambda u: (u.path, u.detector))
        stats.cut_short.sort(key=lambda c: (c.path, c.detector))
        findings = unique_sorted(findings)
        findings = self._postprocess(findings, stats)
        stats.skipped = {k: v for k, v in skipped.items() if v}
        stats.by_kind = dict(Counter(f.kind.value for f in findings))
        stats.by_provider = dict(Counter(f.provider for f in findings if f.provider))
        stats.duration_s = time.perf_counter() - started
        if progress is not None:
            progress(seen[0], seen[0])
        return ScanResult(root=root, findings=findings, stats=stats, options=options)

    # ------------------------------------------------------------------ internals

    @staticmethod
    def _relative(root: Path, paths: Iterable[str]) -> Iterator[str]:
        real_root = os.path.realpath(root)
        for raw in paths:
            text = os.fspath(raw)
            if os.path.isabs(text):
                absolute = os.path.abspath(text)
                for base in (os.path.abspath(root), real_root):
                    if absolute == base or absolute.startswith(base.rstrip(os.sep) + os.sep):
                        text = os.path.relpath(absolute, base)
                        break
            yield text

    def _postprocess(self, findings: list[Finding], stats: ScanStats) -> list[Finding]:
        if not findings:  # post-processors rework findings; none to rework, none to load
            return findings
        for processor in self.postprocessors:
            try:
                given = {id(finding) for finding in findings}
                findings = unique_sorted(
                    finding if id(finding) in given else sanitise.finding(finding)
                    for finding in processor.process(list(findings))
                )
            except Exception as exc:
                stats.error_count += 1
                if len(stats.errors) < MAX_ERRORS_KEPT:
                    stats.errors.append(scan_error("", processor.id, exc))
        return findings

    def _run(
        self,
        options: ScanOptions,
        batches: Iterator[list[WalkEntry]],
        seen: list[int],
        progress: ProgressCallback | None,
    ) -> Iterator[_Partial]:
        first = next(batches, None)
        if first is None:
            return
        second = next(batches, None) if self.jobs > 1 else None
        if second is None:  # one batch or one job: no pool
            engine = _Engine(options, self.detectors)
            done = 0
            for batch in itertools.chain([first], batches):
                part = engine.scan_batch(batch)
                done += part.files
                if progress is not None:
                    progress(done, seen[0])
                yield part
            return
        yield from self._run_pool(options, [first, second], batches, seen, progress)

    def _run_pool(
        self,
        options: ScanOptions,
        head: list[list[WalkEntry]],
        batches: Iterator[list[WalkEntry]],
        seen: list[int],
        progress: ProgressCallback | None,
    ) -> Iterator[_Partial]:
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        context = multiprocessing.get_context(method)
        in_flight_max = self.jobs * 3
        done = 0
        if method == "fork":
            # Build (and compile) the engine once; each worker inherits it through the
            # initializer's arguments (not a module global: two scans may run at once).
            engine = _Engine(options, self.detectors)
            engine.prefilter.warm()
            executor = ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=context, initializer=_adopt_engine, initargs=(engine,)
            )
        else:  # pragma: no cover - spawn: every worker builds its own engine
            executor = ProcessPoolExecutor(
                max_workers=self.jobs,
                mp_context=context,
                initializer=_init_worker,
                initargs=(options, self.detectors),
            )
        pending: set[Future[_Partial]] = set()
        source = itertools.chain(head, batches)
        exhausted = False
        try:
            while True:
                while not exhausted and len(pending) < in_flight_max:
                    batch = next(source, None)
                    if batch is None:
                        exhausted = True
                        break
                    pending.add(executor.submit(_scan_in_worker, batch))
                if not pending:
                    break
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    part = future.result()
                    done += part.files
                    if progress is not None:
                        progress(done, seen[0])
                    yield part
        except BrokenProcessPool:
            raise AimsError(
                "a scan worker process died (out of memory?); run again with --jobs 1 to find the file"
            ) from None
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
