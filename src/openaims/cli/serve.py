"""``aims serve``: the AI Risk Hub web application."""

from __future__ import annotations

import typer

from openaims.cli.console import err_console
from openaims.errors import UsageError


def serve(
    host: str = typer.Option("127.0.0.1", "--host", envvar="AIMS_HOST", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", envvar="AIMS_PORT", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", envvar="AIMS_WEB_WORKERS", min=1, max=64, help="Worker processes."),
) -> None:
    """Serve the dashboard, the register pages and the JSON API (/api/v1) on the register."""
    import uvicorn

    from openaims.register import open_register
    from openaims.register.services.accounts import AccountService
    from openaims.web.app import create_app

    db = open_register()
    with db.read() as session:
        first_run = AccountService(session).needs_setup()
    app = create_app(db)
    url = f"http://{host}:{port}/"
    err_console.print(f"OpenAIMS AI Risk Hub on {url} (API: {url}api/v1/docs)", markup=False)
    if first_run:
        err_console.print(f"No account yet: open {url}setup to create the first administrator.", markup=False)
    try:
        uvicorn.run(app, host=host, port=port, workers=1 if workers == 1 else None, log_level="warning")
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
