"""``aims serve``: the AI Risk Hub web application."""

from __future__ import annotations

import errno
import os
import secrets
import socket

import typer

from openaims.cli.console import err_console
from openaims.errors import UsageError


def _check_port_free(host: str, port: int) -> None:
    """Refuse, before anything starts, a port another program already listens on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(
                    f"port {port} on {host} is already in use; choose another with --port or AIMS_PORT"
                ) from None
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve(
    host: str = typer.Option("127.0.0.1", "--host", envvar="AIMS_HOST", help="Address to listen on."),
    port: int = typer.Option(
        8000, "--port", envvar="AIMS_PORT", min=1, max=65535, help="Port to listen on (1-65535)."
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        envvar="AIMS_WEB_WORKERS",
        min=1,
        max=64,
        help="Web server processes (1-64); more than one serves requests in parallel.",
    ),
) -> None:
    """Serve the dashboard, the register pages and the JSON API (/api/v1) on the register."""
    import uvicorn

    from openaims.register import open_register
    from openaims.register.services.accounts import AccountService
    from openaims.settings import load_settings

    settings = load_settings()
    _check_port_free(host, port)
    db = open_register(settings)
    with db.read() as session:
        first_run = AccountService(session).needs_setup()
    url = f"http://{host}:{port}/"
    plural = "" if workers == 1 else f" with {workers} worker processes"
    err_console.print(f"OpenAIMS AI Risk Hub on {url}{plural} (API: {url}api/v1/docs)", markup=False)
    if first_run:
        err_console.print(f"No account yet: open {url}setup to create the first administrator.", markup=False)
    try:
        if workers == 1:
            from openaims.web.app import create_app

            # proxy_headers off: the application reads X-Forwarded-For itself, and only from
            # the proxies named in AIMS_TRUSTED_PROXIES (uvicorn would trust any local peer).
            uvicorn.run(create_app(db, warm=True), host=host, port=port, log_level="warning", proxy_headers=False)
        else:
            db.dispose()
            if not settings.secret_key:
                # Every worker must sign sessions with the same key, or a sign-in made in
                # one process is unknown to the others.
                os.environ["AIMS_SECRET_KEY"] = secrets.token_urlsafe(32)
            uvicorn.run(
                "openaims.web.app:serving_app",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_level="warning",
                proxy_headers=False,
            )
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    except SystemExit as exc:  # uvicorn exits 1 when it cannot start
        if exc.code not in (0, None):
            raise UsageError(f"the web server on {host}:{port} could not start (see the message above)") from None
        raise


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
