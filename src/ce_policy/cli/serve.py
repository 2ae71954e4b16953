"""``ce-policy serve``: the rule sets as an HTTP service (docs/service.md); needs the ``server`` extra."""

from __future__ import annotations

from pathlib import Path

import click

from ce_policy.cli.exit import fail
from ce_policy.model.errors import CePolicyError

__all__ = ["serve_command"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="The port to listen on.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option(
    "--policies",
    "policy_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder of extra policy layers, loaded strictly next to the shipped ones (repeatable); reloaded on SIGHUP.",
)
@click.option(
    "--log", "log_path", type=click.Path(dir_okay=False, path_type=Path), help="The decision log (JSON Lines)."
)
@click.option(
    "--max-body", type=click.IntRange(1024), default=4 * 2**20, show_default=True, help="Largest record body, bytes."
)
@click.option(
    "--max-batch-body",
    type=click.IntRange(1024),
    default=256 * 2**20,
    show_default=True,
    help="Largest batch body, bytes.",
)
@click.option(
    "--body-timeout",
    type=click.FloatRange(0.1, 3600),
    default=30.0,
    show_default=True,
    help="Seconds to send a request's head, and then its body.",
)
@click.option(
    "--api-keys-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file of API keys, one a line.",
)
@click.option(
    "--api-keys-env",
    default="CE_POLICY_API_KEYS",
    show_default=True,
    help="An environment variable of API keys (comma- or space-separated); keys are never taken on the command line.",
)
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="The default language of problems."
)
@click.option(
    "--access-log/--no-access-log", default=True, show_default=True, help="Log each request (never its keys)."
)
def serve_command(
    host: str,
    port: int,
    workers: int,
    policy_dirs: tuple[Path, ...],
    log_path: Path | None,
    max_body: int,
    max_batch_body: int,
    body_timeout: float,
    api_keys_file: Path | None,
    api_keys_env: str,
    lang: str,
    access_log: bool,
) -> None:
    """Serve decisions over HTTP (JSON API, OpenAPI at /openapi.json); SIGHUP reloads the policies."""
    try:
        from ce_policy.serve.server import run  # noqa: PLC0415 - the server extra is optional
        from ce_policy.serve.settings import ServeSettings, read_api_keys  # noqa: PLC0415
        from ce_policy.serve.state import load_generation  # noqa: PLC0415
    except ImportError as exc:
        fail(f"the server needs its extra: pip install 'ce-policy[server]' ({exc.name} is missing)")
    settings = ServeSettings(
        policy_dirs=tuple(p.resolve() for p in policy_dirs),
        log_path=log_path.resolve() if log_path else None,
        max_body_bytes=max_body,
        max_batch_bytes=max_batch_body,
        body_timeout=body_timeout,
        lang=lang,
        api_keys_file=api_keys_file.resolve() if api_keys_file else None,
        api_keys_env=api_keys_env or None,
        workers=workers,
    )
    try:
        keys = read_api_keys(settings)
    except ValueError as exc:
        fail(exc)
    try:
        generation = load_generation(settings.policy_dirs, 1)
    except CePolicyError as exc:
        fail(exc, 1)
    where = f"http://{host}:{port}"
    shown = f"{len(keys)} API key(s)" if keys else "no API key (admin endpoints off)"
    click.echo(
        f"ce-policy serve: {where} · {workers} worker(s) · policies {generation.digest[:19]}… · {shown}", err=True
    )
    run(settings, host=host, port=port, generation=generation, access_log=access_log)
