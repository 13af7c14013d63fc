"""The job engine for teams: Celery, with Redis as the broker and the result backend.

Properties the scan jobs rely on, all configured here:

* acknowledgement after completion (``acks_late``), and a job whose worker process died
  is given back to the queue (``reject_on_worker_lost``); a worker that vanished
  altogether has its unacknowledged jobs delivered again after the broker's visibility
  timeout (``AIMS_VISIBILITY_TIMEOUT``);
* one job prefetched per process, so a dead worker holds few jobs back;
* retries with exponential back-off for passing failures (``AIMS_JOB_RETRIES``);
* results in a result backend (``AIMS_RESULT_BACKEND``, default the broker);
* JSON messages only: a job's message is its id, never a token or a path from a repository.

A job delivered twice is recorded once (see :mod:`openaims.org.job`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Final

from openaims.errors import UsageError
from openaims.org.interface import scrub
from openaims.settings import Settings

TASK: Final = "openaims.org.scan_repository"
QUEUE: Final = "openaims-scans"
#: How long results stay in the backend (seconds).
RESULT_TTL_S: Final = 7 * 24 * 3600


def _celery() -> Any:
    try:
        import celery
    except ImportError:
        raise UsageError("scan workers need Celery and the Redis client: pip install 'openaims[workers]'") from None
    return celery


def make_app(settings: Settings) -> Any:
    """The Celery application of the scan workers, with its one task registered."""
    if not settings.broker_url:
        raise UsageError(
            "set AIMS_BROKER_URL (e.g. redis://localhost:6379/0) to run workers; without a broker, "
            "'aims org scan' scans in-process"
        )
    celery = _celery()
    app = celery.Celery("openaims", broker=settings.broker_url, backend=settings.result_backend or settings.broker_url)
    transport = {"visibility_timeout": settings.visibility_timeout}
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=RESULT_TTL_S,
        broker_transport_options=transport,
        result_backend_transport_options=transport,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        task_track_started=True,
    )

    @app.task(name=TASK, bind=True, max_retries=settings.job_retries, acks_late=True)  # type: ignore[untyped-decorator,misc]
    def scan_repository(task: Any, job_id: str) -> dict[str, Any]:
        import os

        from openaims.org.checkout import wait_s
        from openaims.org.job import run_job
        from openaims.settings import load_settings

        final = task.request.retries >= task.max_retries
        worker = f"{task.request.hostname or 'worker'}:{os.getpid()}"
        outcome = run_job(job_id, load_settings(), worker=worker, final=final)
        if outcome.state == "retry":
            raise task.retry(countdown=wait_s(task.request.retries + 1))
        return dataclasses.asdict(outcome)

    return app


def enqueue(settings: Settings, job_ids: Sequence[str]) -> None:
    """Queue one message per job; its id is the job's id."""
    app = make_app(settings)
    try:
        for job_id in job_ids:
            app.send_task(TASK, args=[job_id], task_id=job_id, queue=QUEUE)
    except Exception as exc:  # kombu's OperationalError and friends: the broker did not answer
        raise UsageError(
            f"cannot queue scan jobs on the broker AIMS_BROKER_URL ({type(exc).__name__}: "
            f"{scrub(str(exc)) or 'no answer'}); the jobs stay queued in the register, "
            "run 'aims org scan --resume' once the broker is up"
        ) from None


def run_worker(settings: Settings, *, concurrency: int, loglevel: str = "INFO", hostname: str | None = None) -> None:
    """Run a worker in this process until it is stopped."""
    app = make_app(settings)
    argv = ["worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}", f"--queues={QUEUE}",
            "--without-gossip", "--without-mingle", "--pool=prefork"]  # fmt: skip
    if hostname:
        argv.append(f"--hostname={hostname}")
    app.worker_main(argv)


def ping(settings: Settings, hostname: str, *, timeout_s: float = 5.0) -> bool:
    """Whether the worker ``hostname`` answers on the broker (a container's health check)."""
    app = make_app(settings)
    try:
        answers = app.control.ping(destination=[hostname], timeout=timeout_s)
    except Exception:  # the broker did not answer
        return False
    return any(hostname in answer for answer in answers or [])
