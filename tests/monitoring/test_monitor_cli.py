"""``aims monitor``: plan, evaluate, push and status as a user runs them; bad batches get one line
naming the column and row, exit 2, and store nothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from tests.monitoring.kit import frame, plan, write
from tests.support.cli import run

from openaims.monitoring.batch import read_batch
from openaims.monitoring.interface import BatchError, Columns
from openaims.register.db import Database
from openaims.register.models.incidents import Incident
from openaims.register.models.monitoring import MonitoringResult

DISPARATE = {"18-30": 0.3, "31-50": 0.55, "51+": 0.6}


@pytest.fixture
def system(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = run(capsys, "system", "add", "--name", "Credit scoring", "--owner", "alice",
                         "--database-url", db_url)  # fmt: skip
    assert code == 0, err
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(yaml.safe_dump(plan()), encoding="utf-8")
    code, out, err = run(capsys, "monitor", "plan", "SYS-1", str(plan_file), "--database-url", db_url)
    assert code == 0, err
    assert "Created MON-1 for SYS-1: 5 metrics, monthly." in out
    return "SYS-1"


def _stored(db_url: str) -> tuple[int, int]:
    db = Database(db_url)
    try:
        with db.session() as session:
            results = session.execute(select(func.count()).select_from(MonitoringResult)).scalar_one()
            incidents = session.execute(select(func.count()).select_from(Incident)).scalar_one()
            return int(results), int(incidents)
    finally:
        db.dispose()


def test_evaluate_records_the_breach_opens_an_incident_and_status_shows_it(
    system: str, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = write(frame(rates=DISPARATE), tmp_path / "april.csv")
    code, out, err = run(capsys, "monitor", "evaluate", system, "--predictions", str(batch),
                         "--at", "2026-04-30T18:00:00Z", "--database-url", db_url)  # fmt: skip
    assert code == 0, err
    assert "approval_gap" in out
    assert "breach" in out
    assert "Opened incident INC-1." in out
    code, out, err = run(capsys, "monitor", "status", "--format", "json", "--database-url", db_url)
    [state] = json.loads(out)
    assert state["level"] == "breach"
    assert state["open_incidents"] == ["INC-1"]
    assert state["last_result_at"].startswith("2026-04-30T18:00")


def test_push_with_a_time(system: str, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "monitor", "push", system, "--metric", "latency_ms", "--value", "420",
                         "--at", "2026-05-01", "--format", "json", "--database-url", db_url)  # fmt: skip
    assert code == 0, err
    [result] = json.loads(out)["results"]
    assert result["level"] == "warning"
    assert result["at"] == "2026-05-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["SYS-9", "--metric", "latency_ms", "--value", "1"], "no AI system 'SYS-9'"),
        (["SYS-1", "--metric", "throughput", "--value", "1"], "has no metric 'throughput'"),
        (["SYS-1", "--metric", "latency_ms", "--value", "1", "--at", "yesterday"], "--at 'yesterday' is not a date"),
    ],
)
def test_push_refusals(
    system: str, db_url: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _out, err = run(capsys, "monitor", "push", *args, "--database-url", db_url)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert _stored(db_url) == (0, 0)


def _bad_batches(tmp_path: Path) -> list[tuple[Path, str]]:
    missing = frame(50, rates=DISPARATE).drop(columns=["age_band"])
    wrong = frame(50, rates=DISPARATE).astype({"approved": str})
    wrong.loc[17, "approved"] = "maybe"
    empty = frame(5).iloc[0:0]
    no_group = frame(50).astype({"age_band": object})
    no_group.loc[3, "age_band"] = None
    return [
        (write(missing, tmp_path / "missing.csv"), "column 'age_band' declared in the monitoring plan is missing"),
        (write(wrong, tmp_path / "wrong.csv"), "column 'approved' holds 'maybe' at row 18 (line 19)"),
        (write(wrong, tmp_path / "wrong.parquet"), "column 'approved' holds 'maybe' at row 18"),
        (write(empty, tmp_path / "empty.csv"), "has a header but no rows"),
        (write(no_group, tmp_path / "nogroup.parquet"), "column 'age_band' has no group at row 4"),
    ]


def test_bad_batches_get_one_line_naming_column_and_row_and_store_nothing(
    system: str, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "blank.csv").write_text("", encoding="utf-8")
    cases = [*_bad_batches(tmp_path), (tmp_path / "blank.csv", "the file is empty"),
             (tmp_path / "nothing.csv", "no such file")]  # fmt: skip
    for path, message in cases:
        code, _out, err = run(capsys, "monitor", "evaluate", system, "--predictions", str(path), "--database-url", db_url)
        assert code == 2, (path, err)
        assert message in err, (path, err)
        assert len(err.strip().splitlines()) == 1
        assert "Traceback" not in err
    assert _stored(db_url) == (0, 0)


COLUMNS = Columns(prediction="p", label="y", groups=("g",), features=("x",))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.integers(min_value=1, max_value=60),
    data=st.data(),
    bad=st.sampled_from(["2", "-1", "yes please", "0.5", "nan"]),
)
def test_the_first_bad_outcome_is_named_by_its_row(tmp_path: Path, rows: int, data: st.DataObject, bad: str) -> None:
    where = data.draw(st.integers(min_value=0, max_value=rows - 1))
    outcomes = [str(v) for v in np.random.default_rng(rows).integers(0, 2, rows)]
    outcomes[where] = bad
    lines = ["p,y,g,x", *(f"{o},1,a,{i}" for i, o in enumerate(outcomes))]
    path = tmp_path / f"b{rows}-{where}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(BatchError, match=rf"column 'p' holds .* at row {where + 1} \(line {where + 2}\)"):
        read_batch(path, COLUMNS, required=COLUMNS.all())


def test_warnings_are_reviewed_with_a_note_and_status_counts_the_rest(
    system: str, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for value, at in (("420", "2026-05-01"), ("350", "2026-05-02")):
        code, _out, err = run(capsys, "monitor", "push", system, "--metric", "latency_ms", "--value", value,
                              "--at", at, "--database-url", db_url)  # fmt: skip
        assert code == 0, err
    code, out, err = run(capsys, "monitor", "status", "--database-url", db_url)
    assert code == 0, err
    assert "2 warning(s) unreviewed" in out
    code, out, err = run(capsys, "monitor", "review", system, "--database-url", db_url, "--actor", "alice")
    assert code == 2
    assert "--note" in err
    code, out, err = run(capsys, "monitor", "review", system, "--metric", "accuracy", "--note", "Seen",
                         "--database-url", db_url)  # fmt: skip
    assert (code, err.strip()) == (1, "aims: error: SYS-1 has no unreviewed monitoring warning of accuracy")
    code, out, err = run(capsys, "monitor", "review", system, "--note", "Peak traffic from a marketing campaign",
                         "--database-url", db_url, "--actor", "alice")  # fmt: skip
    assert code == 0, err
    assert "Reviewed 2 warning(s) of SYS-1 (latency_ms) as alice." in out
    code, out, err = run(capsys, "monitor", "status", "SYS-1", "--format", "json", "--database-url", db_url)
    assert json.loads(out)[0]["unreviewed_warnings"] == 0
