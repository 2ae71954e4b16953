"""Running the application on uvicorn: one process, or several worker processes sharing one port.

With one worker the application is built here, on the policies already loaded and checked. With several,
uvicorn starts each worker afresh (spawned), and each builds its application from the settings passed in the
environment (`SETTINGS_ENV`, without keys: each worker reads them again from their file or variable), loads
and compiles the policies itself, opens its own decision log file and counts its own metrics.
"""

from __future__ import annotations

import os
import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

from ce_policy.serve.app import create_app
from ce_policy.serve.protocol import HeaderDeadline, configure
from ce_policy.serve.settings import SETTINGS_ENV, ServeSettings
from ce_policy.serve.state import Generation

__all__ = ["run"]


def run(
    settings: ServeSettings,
    *,
    host: str,
    port: int,
    generation: Generation | None = None,
    access_log: bool = True,
    log_level: str = "info",
) -> None:
    """Serve until interrupted (SIGINT or SIGTERM: requests in flight finish first)."""
    configure(settings)
    common = {
        "http": HeaderDeadline,
        "host": host,
        "port": port,
        "access_log": access_log,
        "log_level": log_level,
        "proxy_headers": False,
        "server_header": False,
        "timeout_graceful_shutdown": 30,
    }
    if settings.workers == 1:
        uvicorn.run(create_app(settings, generation=generation), **common)  # type: ignore[arg-type]
        return
    os.environ[SETTINGS_ENV] = settings.model_dump_json()
    config = uvicorn.Config(
        "ce_policy.serve.app:create_app_from_env",
        factory=True,
        workers=settings.workers,
        **common,  # type: ignore[arg-type]
    )
    Multiprocess(config, sockets=[_listening(host, port)]).run()


def _listening(host: str, port: int) -> socket.socket:
    """The socket the workers share, made as a TCP socket (``IPPROTO_TCP``), which they inherit.

    uvicorn's own shared socket is made with protocol 0, and asyncio turns Nagle's algorithm off only on
    connections of a socket whose protocol is TCP: with it left on, each response (headers, then body) waited
    for the client's delayed ACK, about 40 ms a request on Linux.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock
