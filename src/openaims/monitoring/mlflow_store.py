"""Metrics read from an MLflow tracking store with the ``mlflow`` client (the ``mlflow`` extra).

A source is one of: a local tracking directory (an ``mlruns`` file store, or a folder holding
``mlflow.db``), an ``mlflow.db`` SQLite file, a tracking server URL (``http(s)://``), or a run
URI ``runs:/RUN_ID`` read from the store ``tracking_uri`` names. Each metric's full history is
read (value, time, step), for the keys asked for only. ``mlflow`` is imported here, on use; when
it is missing the error says how to install it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openaims.errors import UsageError

INSTALL = "aims monitor import-mlflow needs the MLflow client: pip install 'openaims[mlflow]'"
#: Run statuses whose metrics are read (a failed or killed run's metrics are not results).
READ_STATUSES = ("FINISHED", "RUNNING")
#: At most this many runs are read from one source.
MAX_RUNS = 10_000


@dataclass(frozen=True)
class MlflowPoint:
    """One logged value of a metric in a run."""

    run_id: str
    run_name: str
    experiment: str
    key: str
    value: float
    timestamp_ms: int
    step: int


@dataclass(frozen=True)
class Source:
    """Where the metrics are read: the tracking URI, and one run (or every run of the store)."""

    tracking_uri: str
    run_id: str | None
    label: str
    file_store: bool = False


def resolve(source: str, tracking_uri: str | None = None) -> Source:
    """The tracking store and run a source names; UsageError for anything else."""
    text = source.strip()
    if text.startswith("runs:/"):
        run_id = text.removeprefix("runs:/").strip("/").split("/", 1)[0]
        if not run_id:
            raise UsageError(f"{source!r}: a run URI is runs:/RUN_ID")
        if tracking_uri is None:
            raise UsageError(f"{source!r} names a run but not its store: add --tracking-uri (a server URL or folder)")
        store = resolve(tracking_uri)
        return Source(store.tracking_uri, run_id, f"{store.label} run {run_id}", store.file_store)
    if text.startswith(("http://", "https://")):
        return Source(text.rstrip("/"), None, text.rstrip("/"))
    path = Path(text).expanduser()
    if path.is_file() and path.suffix == ".db":
        return Source(f"sqlite:///{path.resolve()}", None, str(path))
    if path.is_dir():
        if (path / "mlflow.db").is_file():
            return Source(f"sqlite:///{(path / 'mlflow.db').resolve()}", None, str(path))
        if not any(p.is_dir() and (p / "meta.yaml").is_file() for p in path.iterdir()):
            raise UsageError(f"{path} is not an MLflow tracking folder (no experiment with a meta.yaml, no mlflow.db)")
        return Source(path.resolve().as_uri(), None, str(path), file_store=True)
    raise UsageError(
        f"{source!r} is not an MLflow tracking folder, mlflow.db file, tracking server URL or runs:/RUN_ID URI"
    )


@contextmanager
def _environment(source: Source) -> Iterator[None]:
    """The file store is read-only for us; MLflow 3 asks for an opt-in to open one."""
    saved = {k: os.environ.get(k) for k in ("MLFLOW_ALLOW_FILE_STORE", "MLFLOW_DISABLE_TELEMETRY")}
    os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
    if source.file_store:
        os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _client(source: Source) -> Any:
    try:
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise UsageError(INSTALL) from None
    return MlflowClient(tracking_uri=source.tracking_uri)


def read_points(source: Source, keys: Iterable[str], *, experiment: str | None = None) -> list[MlflowPoint]:
    """Every logged value of ``keys`` in the source's run (or its finished and running runs)."""
    wanted = sorted(set(keys))
    with _environment(source):
        client = _client(source)
        from mlflow.exceptions import MlflowException

        try:
            if source.run_id is not None:
                runs = [client.get_run(source.run_id)]
                names = {runs[0].info.experiment_id: client.get_experiment(runs[0].info.experiment_id).name}
            else:
                experiments = client.search_experiments()
                if experiment is not None:
                    experiments = [e for e in experiments if e.name == experiment]
                    if not experiments:
                        raise UsageError(f"{source.label} has no experiment {experiment!r}")
                names = {e.experiment_id: e.name for e in experiments}
                runs = list(client.search_runs(list(names), max_results=MAX_RUNS)) if names else []
            points: list[MlflowPoint] = []
            for run in runs:
                if run.info.status not in READ_STATUSES:
                    continue
                logged = set(run.data.metrics)
                for key in wanted:
                    if key not in logged:
                        continue
                    for m in client.get_metric_history(run.info.run_id, key):
                        points.append(MlflowPoint(run.info.run_id, run.info.run_name or run.info.run_id,
                                                  names.get(run.info.experiment_id, run.info.experiment_id),
                                                  key, float(m.value), int(m.timestamp), int(m.step)))  # fmt: skip
        except MlflowException as exc:
            first = str(exc.message if hasattr(exc, "message") else exc).strip().splitlines()[0][:300]
            raise UsageError(f"MLflow could not read {source.label}: {first}") from None
    return sorted(points, key=lambda p: (p.timestamp_ms, p.run_id, p.key, p.step))


def logged_keys(source: Source, *, experiment: str | None = None) -> list[str]:
    """Metric keys logged in the source's runs (to name what a plan does not map)."""
    with _environment(source):
        client = _client(source)
        from mlflow.exceptions import MlflowException

        try:
            if source.run_id is not None:
                return sorted(client.get_run(source.run_id).data.metrics)
            experiments = client.search_experiments()
            ids = [e.experiment_id for e in experiments if experiment is None or e.name == experiment]
            runs = client.search_runs(ids, max_results=MAX_RUNS) if ids else []
            return sorted({k for r in runs for k in r.data.metrics})
        except MlflowException as exc:
            raise UsageError(f"MLflow could not read {source.label}: {str(exc).splitlines()[0][:300]}") from None


__all__ = ["INSTALL", "MlflowPoint", "Source", "logged_keys", "read_points", "resolve"]
