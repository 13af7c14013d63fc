"""``aims check`` on model files: a change adding a pickle built from any published
pickle-scanner bypass fails; one adding models saved by PyTorch, NumPy, scikit-learn
and joblib passes. Real scanner, real git history, the ``aims`` command."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pytest
import torch
from policy_testkit import commit, git
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from tests.discovery.files.pickle_bypasses import ALL
from tests.discovery.files.test_files_pickle_bypasses import (
    TRICKS,
    _zip,
    protocol_0_memoised,
    stack_global_p4,
)

from openaims.discovery.pickle_scan import normalise

pytestmark = [pytest.mark.slow]

POLICY = "version: 1\nunsafe_model_files: block\n"


def _add(root: Path, message: str, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def _check(root: Path) -> tuple[int, dict[str, list[str]], dict[str, str], str]:
    out = root.parent / "check.json"
    done = subprocess.run(
        [sys.executable, "-m", "openaims", "check", str(root), "--diff-base", "HEAD~1", "-f", "json", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(out.read_text())
    failing: dict[str, list[str]] = {}
    messages: dict[str, str] = {}
    for violation in report["violations"]:
        if violation["status"] == "failing":
            failing.setdefault(violation["rule"], []).append(violation["path"])
            messages[violation["path"]] = violation["message"]
    return done.returncode, failing, messages, done.stdout + done.stderr


@pytest.fixture
def base(repo: Path) -> Path:
    commit(repo, "base", {"aims-policy.yaml": POLICY, "README.md": "# models\n"})
    return repo


def test_every_bypass_pickle_fails_aims_check(base: Path) -> None:
    files: dict[str, bytes] = {}
    expected: dict[str, str] = {}
    for index, (module, name) in enumerate(ALL):
        files[f"models/{index:03d}.pkl"] = stack_global_p4(module, name)
        files[f"models/{index:03d}-p0.bin"] = protocol_0_memoised(module, name)
        expected[f"models/{index:03d}.pkl"] = expected[f"models/{index:03d}-p0.bin"] = normalise(module, name)
    module, name = "torch.utils.collect_env", "run"
    for index, (trick, (member, patch)) in enumerate(TRICKS.items()):
        archive = _zip({member: stack_global_p4(module, name)})
        patch(archive)
        files[f"archives/{index}-{trick.replace(' ', '-')}.pt"] = bytes(archive)
    _add(base, "add models", files)
    code, failing, messages, output = _check(base)
    assert code == 1, output
    assert sorted(failing) == ["model-file.unsafe"], failing
    assert sorted(failing["model-file.unsafe"]) == sorted(files)
    # the message names the global (the first reason; archives lead with the evasion)
    assert [path for path, qualified in expected.items() if qualified not in messages[path]] == []


def test_models_saved_by_the_libraries_pass_aims_check(base: Path, tmp_path: Path) -> None:
    features = np.random.RandomState(0).rand(40, 3)
    labels = (features[:, 0] > 0.5).astype(int)
    saved = tmp_path / "saved"
    saved.mkdir()
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    torch.save(net.state_dict(), saved / "net.pt")
    torch.save({"model": net.state_dict(), "epoch": 3}, saved / "checkpoint.ckpt")
    np.save(saved / "weights.npy", features)
    np.save(saved / "labels.npy", np.array(["a", None], dtype=object), allow_pickle=True)
    forest = RandomForestClassifier(n_estimators=3).fit(features, labels)
    (saved / "forest.pkl").write_bytes(pickle.dumps(forest, protocol=5))
    joblib.dump(make_pipeline(StandardScaler(), LogisticRegression()).fit(features, labels), saved / "pipe.joblib")
    with zipfile.ZipFile(saved / "bundle.zip", "w") as bundle:
        bundle.writestr("model/forest.pkl", pickle.dumps(forest, protocol=4))
    _add(base, "add models", {f"models/{p.name}": p.read_bytes() for p in saved.iterdir()})
    code, failing, _messages, output = _check(base)
    assert (code, failing) == (0, {}), output
