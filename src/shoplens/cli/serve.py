"""``shoplens serve``: the API and the dashboard under uvicorn (see docs/service.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shoplens.cli import console, part_app

app = part_app("Serve the API and the dashboard over the warehouse.")
app.info.no_args_is_help = False


@app.callback(invoke_without_command=True)
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            help="Worker processes. With more than one, each opens the warehouse read-only"
            " and live events wait in the journal until a single-worker start drains them.",
        ),
    ] = 1,
    warehouse: Annotated[
        Path | None,
        typer.Option("--warehouse", "-w", help="DuckDB file (default: $SHOPLENS_HOME)."),
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning.")] = "info",
) -> None:
    """Start the service (settings from ``SHOPLENS_SERVE_*`` variables)."""
    import os

    from shoplens.errors import DependencyError, InputError, require

    require("uvicorn", "serve")
    import uvicorn

    if workers < 1:
        raise InputError("--workers must be 1 or more")
    if warehouse is not None:
        os.environ["SHOPLENS_SERVE_WAREHOUSE"] = str(warehouse.resolve())
    if workers > 1:
        os.environ["SHOPLENS_SERVE_READ_ONLY"] = "1"
    try:
        from shoplens.service.config import ServiceSettings

        settings = ServiceSettings()
    except ImportError as exc:  # pragma: no cover - fastapi missing
        raise DependencyError("install the service: pip install 'shoplens[serve]'") from exc
    if workers > 1 and not settings.warehouse_path.exists():
        raise InputError(f"no warehouse at {settings.warehouse_path}: run `shoplens demo` first")
    console.print(
        f"ShopLens on http://{host}:{port} (docs /docs, dashboard /dashboard) over"
        f" {settings.warehouse_path}" + (" read-only" if workers > 1 else ""),
        highlight=False,
    )
    uvicorn.run(
        "shoplens.service.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        proxy_headers=True,
    )
