"""``aims keys``: the organisation's signing key (Ed25519), kept in a file outside the register."""

from __future__ import annotations

from pathlib import Path

import typer

from openaims.cli.console import console
from openaims.errors import UsageError
from openaims.settings import load_settings

keys_app = typer.Typer(help="The organisation key that signs history checkpoints.", no_args_is_help=True)

KeyFileOption = typer.Option(
    None,
    "--key-file",
    envvar="AIMS_KEY_FILE",
    help="Private key file (default: ~/.config/openaims/organisation-key.pem).",
)


def _key_file(key_file: Path | None) -> Path:
    return key_file or load_settings().key_path()


@keys_app.command("init")
def init(
    key_file: Path | None = KeyFileOption,
    force: bool = typer.Option(False, "--force", help="Replace an existing key (old checkpoints need its public key)."),
) -> None:
    """Create the organisation key (and its public half beside it)."""
    from openaims.register import keys

    settings = load_settings()
    path = _key_file(key_file)
    key = keys.create_key(path, passphrase=settings.key_passphrase or None, force=force)
    console.print(
        f"Created the organisation key {key.key_id} in {path} (readable only by you) and its public key in "
        f"{keys.public_key_path(path)}.\nBack the private key up where the register's database is not "
        "(a password manager or secrets vault); give the public key to auditors. "
        "Sign the history with 'aims history checkpoint -o FILE'.",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@keys_app.command("show")
def show(
    key_file: Path | None = KeyFileOption,
    public: bool = typer.Option(False, "--public", help="Print the public key (PEM) for auditors."),
) -> None:
    """Show the organisation key's id and where it is kept."""
    from openaims.register import keys

    settings = load_settings()
    path = _key_file(key_file)
    public_path = keys.public_key_path(path)
    if not path.exists() and not public_path.exists():
        raise UsageError(f"no organisation key at {path}; create it with 'aims keys init'")
    trusted = keys.trusted_public_key(None, path, passphrase=settings.key_passphrase or None)
    if public:
        console.print(trusted.pem(), markup=False, highlight=False, end="")
        return
    console.print(f"Key id:      {trusted.key_id} (Ed25519)", markup=False, highlight=False)
    console.print(f"Private key: {path}{'' if path.exists() else ' (not on this machine)'}", markup=False,
                  highlight=False, soft_wrap=True)  # fmt: skip
    console.print(f"Public key:  {public_path}", markup=False, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
