"""Bearer tokens for the WebSocket handshake.

A client presents a token as ``Authorization: Bearer <token>`` (or ``Authorization: Token <token>``,
as Deepgram's clients send their key) or, where it cannot set headers (a browser's ``WebSocket``),
as ``?token=<token>`` in the URL. Tokens come from ``auth.tokens``,
``auth.token_file`` (one per line, ``#`` comments) and ``$PARLEY_AUTH_TOKENS``. No token
configured: the socket is open to anyone who can reach it.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from websockets.http11 import Request

from parley.config import AuthConfig


class AuthConfigError(ValueError):
    """The token file is missing or unreadable."""


def load_tokens(config: AuthConfig) -> list[str]:
    """Every configured token (an empty list: auth is off)."""
    tokens = [t for t in config.tokens if t]
    if config.token_file:
        path = Path(config.token_file).expanduser()
        try:
            lines = path.read_text().splitlines()
        except OSError as exc:
            raise AuthConfigError(f"auth.token_file {path}: {exc.strerror or exc}") from None
        tokens += [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    return tokens


def presented_token(request: Request) -> str | None:
    """The token in the handshake request: the ``Authorization`` header first (``Bearer`` or
    ``Token``), else ``?token=``."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "token") and value.strip():
        return value.strip()
    values = parse_qs(urlsplit(request.path).query).get("token")
    return values[0] if values else None


def is_authorised(request: Request, tokens: list[str]) -> bool:
    """True when auth is off or the request carries one of ``tokens`` (compared in constant time)."""
    if not tokens:
        return True
    token = presented_token(request)
    if token is None:
        return False
    # check every token, so the time taken does not tell which prefix matched
    matched = False
    for candidate in tokens:
        matched |= hmac.compare_digest(token.encode(), candidate.encode())
    return matched
