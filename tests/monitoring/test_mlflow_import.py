"""``aims monitor import-mlflow``: metrics logged in an MLflow store created here with the mlflow
client (a file store ``mlruns`` folder and a ``mlflow.db`` folder), mapped to the plan's metrics,
each recorded at the time it was logged, breaches opening incidents, nothing recorded twice;
sources that are not a store, unknown runs and stores without the plan's metrics are one line,
exit 2, nothing stored."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from tests.monitoring.kit import plan
from tests.support.cli import run

from openaims.register.db import Database
from openaims.register.models.monitoring import MonitoringResult

MARCH = dt.datetime(2026, 3, 31, 18, tzinfo=dt.UTC)
APRIL = dt.datetime(2026, 4, 30, 18, tzinfo=dt.UTC)
#: run name -> (when, metrics logged)
RUNS: dict[str, tuple[dt.datetime, dict[str, float]]] = {
    "2026-03": (MARCH, {"accuracy": 0.86, "latency_p95_ms": 250.0, "loss": 0.3}),
    "2026-04": (APRIL, {"accuracy": 0.65, "latency_p95_ms": 900.0, "loss": 0.5}),
}


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _log(tracking_uri: str) -> dict[str, str]:
    """Two monthly evaluation runs logged with the mlflow client; run name -> run id."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    experiment = client.create_experiment("credit-scoring-monitoring")
    ids = {}
    for name, (when, metrics) in RUNS.items():
        created = client.create_run(experiment, run_name=name, start_time=_ms(when))
        for key, value in metrics.items():
            client.log_metric(created.info.run_id, key, value, timestamp=_ms(when), step=0)
        client.set_terminated(created.info.run_id, end_time=_ms(when) + 1000)
        ids[name] = created.info.run_id
    return ids


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A file store (``mlruns``, as MLflow 2 wrote by default) and a SQLite store (``mlflow.db``)."""
    import os

    root = tmp_path_factory.mktemp("mlflow")
    mlruns = root / "mlruns"
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    try:
        file_ids = _log(mlruns.as_uri())
    finally:
        os.environ.pop("MLFLOW_ALLOW_FILE_STORE", None)
    database_dir = root / "tracking"
    database_dir.mkdir()
    db_ids = _log(f"sqlite:///{database_dir / 'mlflow.db'}")
    return {"mlruns": mlruns, "file_ids": file_ids, "db_dir": database_dir, "db_ids": db_ids}


@pytest.fixture
def system(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code, _out, err = run(capsys, "system", "add", "--name", "Credit scoring", "--owner", "alice",
                          "--database-url", db_url)  # fmt: skip
    assert code == 0, err
    metrics = [m for m in plan()["metrics"] if m["name"] in ("accuracy", "latency_ms")]
    metrics[1] = {**metrics[1], "mlflow_key": "latency_p95_ms"}
    metrics[0] = {"name": "accuracy", "kind": "performance", "warning": 0.8, "breach": 0.7, "direction": "below"}
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(yaml.safe_dump(plan(metrics=metrics, columns={})), encoding="utf-8")
    code, _out, err = run(capsys, "monitor", "plan", "SYS-1", str(plan_file), "--database-url", db_url)
    assert code == 0, err
    return "SYS-1"


def _stored(db_url: str) -> list[tuple[str, float, str, dt.datetime, str, str | None]]:
    db = Database(db_url)
    try:
        with db.session() as session:
            rows = session.execute(
                select(MonitoringResult.metric, MonitoringResult.value, MonitoringResult.level, MonitoringResult.at,
                       MonitoringResult.source, MonitoringResult.incident_id).order_by(MonitoringResult.id)
            ).all()  # fmt: skip
            return [(m, v, lv, at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at, s, i)
                    for m, v, lv, at, s, i in rows]  # fmt: skip
    finally:
        db.dispose()


def test_a_file_store_is_imported_at_the_logged_times_with_breaches_as_incidents_and_only_once(
    system: str, db_url: str, stores: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "monitor", "import-mlflow", system, str(stores["mlruns"]), "--format", "json",
                         "--database-url", db_url)  # fmt: skip
    assert code == 0, err
    outcome = json.loads(out)
    assert outcome["source"] == "mlflow"
    assert outcome["incidents_opened"] == ["INC-1", "INC-2"]
    assert outcome["notes"][0] == f"read 4 values of 2 metric(s) from {stores['mlruns']}"
    stored = sorted(_stored(db_url), key=lambda r: (r[3], r[0]))
    assert [(m, v, lv, at, s) for m, v, lv, at, s, _i in stored] == [
        ("accuracy", 0.86, "ok", MARCH, "mlflow"),
        ("latency_ms", 250.0, "ok", MARCH, "mlflow"),
        ("accuracy", 0.65, "breach", APRIL, "mlflow"),
        ("latency_ms", 900.0, "breach", APRIL, "mlflow"),
    ]
    assert {i for *_rest, i in stored if i} == {"INC-1", "INC-2"}
    code, out, err = run(capsys, "monitor", "import-mlflow", system, str(stores["mlruns"]),
                         "--database-url", db_url)  # fmt: skip
    assert code == 0, err
    assert "Recorded 0 values" in out
    assert "4 value(s) already imported were left as they are" in out
    assert len(_stored(db_url)) == 4


def test_one_run_by_uri_from_a_sqlite_store(
    system: str, db_url: str, stores: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    run_id = stores["db_ids"]["2026-03"]
    code, out, err = run(capsys, "monitor", "import-mlflow", system, f"runs:/{run_id}", "--tracking-uri",
                         str(stores["db_dir"]), "--database-url", db_url)  # fmt: skip
    assert code == 0, err
    assert "Recorded 2 values: 0 in breach, 0 warnings." in out
    assert {(m, v, at) for m, v, _lv, at, _s, _i in _stored(db_url)} == {("accuracy", 0.86, MARCH),
                                                                         ("latency_ms", 250.0, MARCH)}  # fmt: skip


@pytest.mark.parametrize(
    ("source", "extra", "expected"),
    [
        ("{tmp}", (), "is not an MLflow tracking folder (no experiment with a meta.yaml, no mlflow.db)"),
        ("runs:/0123456789abcdef0123456789abcdef", ("--tracking-uri", "{db}"), "MLflow could not read "),
        ("runs:/0123456789abcdef0123456789abcdef", (), "names a run but not its store: add --tracking-uri"),
        ("not-a-store.txt", (), "is not an MLflow tracking folder, mlflow.db file, tracking server URL"),
    ],
)
def test_bad_sources_are_one_line_exit_2_and_store_nothing(
    system: str, db_url: str, stores: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    source: str, extra: tuple[str, ...], expected: str,
) -> None:  # fmt: skip
    fill = {"tmp": str(tmp_path), "db": str(stores["db_dir"])}
    args = [a.format(**fill) for a in (source, *extra)]
    code, _out, err = run(capsys, "monitor", "import-mlflow", system, *args, "--database-url", db_url)
    assert code == 2
    assert expected in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert _stored(db_url) == []


def test_a_store_without_the_plans_metrics_names_what_it_logs(
    db_url: str, tmp_path: Path, stores: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "system", "add", "--name", "Chatbot", "--owner", "alice", "--database-url", db_url)
    plan_file = tmp_path / "plan.yaml"
    metrics = [{"name": "refusal_rate", "kind": "performance", "warning": 0.1, "breach": 0.2}]
    plan_file.write_text(yaml.safe_dump(plan(metrics=metrics, columns={})), encoding="utf-8")
    code, _out, err = run(capsys, "monitor", "plan", "SYS-1", str(plan_file), "--database-url", db_url)
    assert code == 0, err
    code, _out, err = run(capsys, "monitor", "import-mlflow", "SYS-1", str(stores["db_dir"]),
                          "--database-url", db_url)  # fmt: skip
    assert code == 2
    assert "logs none of MON-1's metrics (refusal_rate); it logs accuracy, latency_p95_ms, loss" in err
    assert _stored(db_url) == []


def test_without_the_mlflow_client_the_error_says_how_to_install_it(
    system: str, db_url: str, stores: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setitem(sys.modules, "mlflow.tracking", None)
    code, _out, err = run(capsys, "monitor", "import-mlflow", system, str(stores["db_dir"]), "--database-url", db_url)
    assert code == 2
    assert err.strip() == "aims: error: aims monitor import-mlflow needs the MLflow client: pip install 'openaims[mlflow]'"
