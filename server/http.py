"""Plain HTTP on the WebSocket port: the caption page, its assets, and the health check.

A request that asks for a WebSocket upgrade (on any path) goes on to the handshake; every other
request is answered here.
"""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

WEB_ROOT = Path(__file__).resolve().parent / "web"
PAGES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/worklet.js": ("worklet.js", "text/javascript; charset=utf-8"),
    "/style.css": ("style.css", "text/css; charset=utf-8"),
    "/favicon.svg": ("favicon.svg", "image/svg+xml"),
}


def is_websocket_upgrade(request: Request) -> bool:
    return "websocket" in request.headers.get("Upgrade", "").lower()


def respond(connection: ServerConnection, request: Request) -> Response | None:
    """The HTTP answer for ``request``, or None to proceed with the WebSocket handshake."""
    if is_websocket_upgrade(request):
        return None
    path = request.path.split("?")[0]
    if path == "/healthz":
        return connection.respond(HTTPStatus.OK, "ok\n")
    page = PAGES.get(path)
    if page is None or not (WEB_ROOT / page[0]).is_file():
        return connection.respond(HTTPStatus.NOT_FOUND, f"not found: {path}\n")
    name, content_type = page
    body = (WEB_ROOT / name).read_bytes()
    headers = Headers(
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-cache"),
            ("X-Content-Type-Options", "nosniff"),
        ]
    )
    return Response(HTTPStatus.OK.value, HTTPStatus.OK.phrase, headers, body)
