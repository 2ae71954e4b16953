"""The settings of the service: where its policies and its decision log are, its limits and its API keys.

One pydantic model, built by ``ce-policy serve`` from its options (or by a caller of `create_app`), and handed to
worker processes as JSON in the environment (`SETTINGS_ENV`) without any key: a worker reads the keys again
from where the settings say they are (a file, an environment variable), so no key ever travels on a command line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ce_policy.model.record_files import MAX_LINE_CHARS

__all__ = ["KEYS_ENV", "SETTINGS_ENV", "ServeSettings", "read_api_keys"]

SETTINGS_ENV = "CE_POLICY_SERVE_SETTINGS"
"""The environment variable through which worker processes receive the settings (as JSON, without keys)."""

KEYS_ENV = "CE_POLICY_API_KEYS"
"""The default environment variable holding API keys, separated by commas or white space."""

MIN_KEY_CHARS = 16
"""The shortest API key accepted: a shorter one is guessable."""


class ServeSettings(BaseModel):
    """What one ``ce-policy serve`` runs with.

    Attributes:
        policy_dirs: folders of extra policy layers, loaded strictly next to the shipped ones (``--policies``).
        log_path: the decision log (``docs/audit.md``); with several workers each writes its own file, the
            process id inserted before the suffix (`log_path_for`). ``None``: no log.
        max_body_bytes: the largest body of ``/v1/decisions`` and ``/v1/title-reviews`` (default 4 MiB, a
            line of a batch file); counted while it is read, so a larger body is refused (413) unread.
        max_batch_bytes: the largest body of ``/v1/decisions/batch`` (spooled to disk past 1 MiB).
        max_batch_records: the most records one batch request decides.
        body_timeout: seconds a client may take to send a body; a slower one gets 408.
        lang: the language of problem titles and details when a request asks for none.
        api_keys: keys given directly (from Python; never serialised).
        api_keys_file: a file of API keys, one a line (``#`` starts a comment).
        api_keys_env: an environment variable of API keys, separated by commas or white space.
        workers: worker processes (each with its own policies, log file and metrics).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    policy_dirs: tuple[Path, ...] = ()
    log_path: Path | None = None
    max_body_bytes: int = Field(default=MAX_LINE_CHARS, ge=1024, le=2**30)
    max_batch_bytes: int = Field(default=256 * 2**20, ge=1024, le=2**40)
    max_batch_records: int = Field(default=100_000, ge=1, le=10_000_000)
    body_timeout: float = Field(default=30.0, gt=0, le=3600)
    lang: Literal["zh", "en"] = "zh"
    api_keys: tuple[SecretStr, ...] = Field(default=(), exclude=True)
    api_keys_file: Path | None = None
    api_keys_env: str | None = KEYS_ENV
    workers: int = Field(default=1, ge=1, le=64)

    def log_path_for(self, pid: int) -> Path | None:
        """The decision log of the process ``pid``: ``log_path`` itself with one worker, else one file per process."""
        if self.log_path is None or self.workers == 1:
            return self.log_path
        return self.log_path.with_name(f"{self.log_path.stem}.{pid}{self.log_path.suffix}")


def read_api_keys(settings: ServeSettings) -> tuple[bytes, ...]:
    """Every API key of ``settings``, as UTF-8 bytes for `hmac.compare_digest`: given, from the file, from the variable.

    Raises:
        ValueError: the file cannot be read, or a key is shorter than 16 characters (the key itself is never
            in the message).
    """
    keys = [key.get_secret_value() for key in settings.api_keys]
    if settings.api_keys_file is not None:
        try:
            text = settings.api_keys_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"cannot read the API key file {settings.api_keys_file}: {exc}") from None
        for line in text.splitlines():
            key = line.split("#", 1)[0].strip()
            if key:
                keys.append(key)
    if settings.api_keys_env:
        keys.extend(os.environ.get(settings.api_keys_env, "").replace(",", " ").split())
    short = sum(len(key) < MIN_KEY_CHARS for key in keys)
    if short:
        raise ValueError(f"{short} API key(s) shorter than {MIN_KEY_CHARS} characters; use long random keys")
    return tuple(dict.fromkeys(key.encode("utf-8") for key in keys))
