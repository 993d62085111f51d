"""The ``parley`` command: serve, stream, transcribe, listen, bench, ``models fetch|list``."""

from __future__ import annotations

import argparse
import logging
import sys

from parley.config import ConfigError, load_config


def _add_config_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="YAML config file (default: the bundled configs/default.yaml)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley", description="Live captions labelled by speaker.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the WebSocket caption service")
    _add_config_arg(serve)
    serve.add_argument("--host", help="interface to bind (default from config: 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind (default from config: 8765)")
    serve.add_argument(
        "--mqtt", metavar="URL", help="also publish captions to this broker (mqtt://host:port)"
    )
    serve.add_argument("--certfile", help="TLS certificate chain (PEM): serve wss:// and https://")
    serve.add_argument("--keyfile", help="the certificate's private key (PEM), unless it is in --certfile")

    stream = commands.add_parser("stream", help="stream an audio file (or stdin) and print live captions")
    _add_config_arg(stream)
    from parley.client.stream import add_arguments as add_stream_arguments

    add_stream_arguments(stream)

    transcribe = commands.add_parser(
        "transcribe", help="transcribe recordings as whole files (here or by a server) into transcripts"
    )
    _add_config_arg(transcribe)
    from parley.client.transcribe import add_arguments as add_transcribe_arguments

    add_transcribe_arguments(transcribe)

    listen = commands.add_parser("listen", help="print (and save) live captions from the MQTT bus")
    _add_config_arg(listen)
    from parley.client.listen import add_arguments as add_listen_arguments

    add_listen_arguments(listen)

    bench = commands.add_parser(
        "bench", help="measure accuracy, latency and capacity against the offline baseline"
    )
    _add_config_arg(bench)
    from parley.bench.cli import add_arguments as add_bench_arguments

    add_bench_arguments(bench)

    models = commands.add_parser("models", help="provision the offline model bundle")
    _add_config_arg(models)
    models_commands = models.add_subparsers(dest="models_command", required=True)
    fetch = models_commands.add_parser("fetch", help="download, unpack and verify the default bundle")
    fetch.add_argument("--only", action="append", metavar="NAME", help="fetch only this model (repeatable)")
    fetch.add_argument("--dir", help="model cache (default: $PARLEY_MODELS or the XDG cache dir)")
    models_commands.add_parser("list", help="show the bundle and what is installed")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    quiet_command = args.command in (
        "stream",
        "transcribe",
        "models",
        "listen",
        "bench",
    )  # their own output is the interface
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING if quiet_command else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        logging.getLogger("faster_whisper").setLevel(logging.WARNING)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"parley: {exc}", file=sys.stderr)
        return 2

    if args.command == "serve":
        from parley.server.app import serve_forever

        if args.host:
            config.server.host = args.host
        if args.port is not None:
            config.server.port = args.port
        if args.mqtt:
            config.mqtt.url = args.mqtt
        if args.certfile:
            config.server.certfile = args.certfile
        if args.keyfile:
            config.server.keyfile = args.keyfile
        if not args.verbose:
            logging.getLogger().setLevel(config.server.log_level.upper())
        return serve_forever(config)
    if args.command == "stream":
        from parley.client.stream import run as run_stream

        return run_stream(args, config)
    if args.command == "transcribe":
        from parley.client.transcribe import run as run_transcribe

        return run_transcribe(args, config)
    if args.command == "listen":
        from parley.client.listen import run as run_listen

        return run_listen(args, config)
    if args.command == "bench":
        from parley.bench.cli import run as run_bench

        return run_bench(args, config)
    if args.command == "models":
        from parley.models import fetch

        if args.models_command == "fetch":
            if args.dir:
                config.models.cache_dir = args.dir
            return fetch.fetch_command(config.models_dir(), only=args.only)
        return fetch.list_command(config.models_dir())
    return 2


if __name__ == "__main__":
    sys.exit(main())
