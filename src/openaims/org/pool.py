"""The in-process engine: the same jobs as the workers run, on a local pool of processes.

With the embedded register (SQLite) and no broker, ``aims org scan`` runs each job in
one of ``AIMS_ORG_WORKERS`` processes on this machine; SQLite queues their short write
transactions. A job that failed for a passing reason is tried again after a back-off,
as a worker would.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from openaims.org.checkout import wait_s
from openaims.org.job import JobOutcome, run_job
from openaims.settings import Settings

Report = Callable[[JobOutcome], None]


def _run(job_id: str, settings: Settings, delay: float, final: bool) -> JobOutcome:
    if delay:
        time.sleep(delay)
    return run_job(job_id, settings, final=final)


def run_local(
    job_ids: Sequence[str], settings: Settings, *, workers: int, report: Report | None = None
) -> list[JobOutcome]:
    """Run ``job_ids`` on ``workers`` processes (in this process when 1); each outcome is reported as it ends."""
    tries = dict.fromkeys(job_ids, 0)
    outcomes: list[JobOutcome] = []

    def settle(outcome: JobOutcome) -> bool:
        """True when the job is over; False when it goes round again."""
        if outcome.state == "retry":
            return False
        outcomes.append(outcome)
        if report is not None:
            report(outcome)
        return True

    if workers <= 1 or len(job_ids) <= 1:
        for job_id in job_ids:
            while True:
                tries[job_id] += 1
                delay = wait_s(tries[job_id] - 1) if tries[job_id] > 1 else 0.0
                if settle(_run(job_id, settings, delay, tries[job_id] > settings.job_retries)):
                    break
        return outcomes
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: dict[Future[JobOutcome], str] = {}

        def submit(job_id: str) -> None:
            tries[job_id] += 1
            delay = wait_s(tries[job_id] - 1) if tries[job_id] > 1 else 0.0
            pending[pool.submit(_run, job_id, settings, delay, tries[job_id] > settings.job_retries)] = job_id

        for job_id in job_ids:
            submit(job_id)
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                job_id = pending.pop(future)
                outcome = future.result()
                if not settle(outcome):
                    submit(job_id)
    return outcomes
