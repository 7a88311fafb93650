"""``shoplens keys create|list|revoke``: API keys of the service (stored hashed)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shoplens.cli import Format, console, err_console, part_app, show_frame

app = part_app("API keys of the service: create, list, revoke.")

KeysFile = Annotated[
    Path | None,
    typer.Option("--keys-file", help="Key file (default: $SHOPLENS_HOME/keys.json)."),
]


def _store(path: Path | None):  # type: ignore[no-untyped-def]
    from shoplens.service.config import ServiceSettings
    from shoplens.service.keys import KeyStore

    return KeyStore(path or ServiceSettings().keys_path)


@app.command()
def create(
    name: Annotated[str, typer.Argument(help="Who the key is for.")],
    scope: Annotated[
        list[str],
        typer.Option(
            "--scope",
            "-s",
            help="analytics:read, events:write, assistant, admin (repeat for several).",
        ),
    ],
    customer: Annotated[
        str | None,
        typer.Option("--customer", help="Bind the key to one customer id (assistant keys)."),
    ] = None,
    keys_file: KeysFile = None,
) -> None:
    """Make a key and print it once (only its argon2 hash is stored)."""
    token, key = _store(keys_file).create(name, scope, customer)
    err_console.print(
        f"key [bold]{key.id}[/] ({', '.join(key.scopes)})"
        + (f" bound to customer {key.customer_id}" if key.customer_id else "")
        + ": keep it now, it is not shown again",
        highlight=False,
    )
    typer.echo(token)


@app.command("list")
def list_keys(keys_file: KeysFile = None, fmt: Format = "table") -> None:
    """Show every key (never the secrets)."""
    import pandas as pd

    rows = [k.public() for k in _store(keys_file).list()]
    frame = pd.DataFrame(
        rows, columns=["id", "name", "scopes", "customer_id", "created_at", "revoked_at"]
    )
    frame["scopes"] = frame["scopes"].map(lambda s: ",".join(s) if isinstance(s, list) else s)
    show_frame(frame, "API keys", fmt=fmt, limit=None)


@app.command()
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (see `shoplens keys list`).")],
    keys_file: KeysFile = None,
) -> None:
    """Revoke a key: the service refuses it from its next request on."""
    key = _store(keys_file).revoke(key_id)
    console.print(f"revoked key {key.id} ({key.name}) at {key.revoked_at}", highlight=False)
