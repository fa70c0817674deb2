"""All configuration, read once from the environment and `.env`, then passed down."""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import secrets
from datetime import UTC, datetime, tzinfo
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vigil.perception.keywords import DEFAULT_KEYWORDS, normalise_keywords
from vigil.security.outbound import (
    OutboundPolicy,
    camera_policy,
    parse_networks,
    push_policy,
    webhook_policy,
)

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev"})
REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Every setting Vigil reads. Environment variables are upper-case with a `VIGIL_` prefix."""

    model_config = SettingsConfigDict(env_prefix="VIGIL_", env_file=".env", extra="ignore")

    env: Literal["dev", "test", "production"] = Field(
        "dev", description="`production` refuses placeholder secrets and the generated dev secret."
    )
    host: str = Field("127.0.0.1", description="Interface the API listens on.")
    port: int = Field(
        8000,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("VIGIL_PORT", "PORT"),
        description="TCP port of the API (`VIGIL_PORT` or `PORT`).",
    )
    data_dir: Path = Field(Path("data"), description="Database (SQLite), media and state live here.")
    database_url: str | None = Field(
        None,
        validation_alias=AliasChoices("VIGIL_DATABASE_URL", "DATABASE_URL"),
        description="SQLAlchemy async URL (`VIGIL_DATABASE_URL` or `DATABASE_URL`); default "
        "`sqlite+aiosqlite:///<data_dir>/vigil.db`. PostgreSQL: `postgresql+asyncpg://user:pass@host/db` "
        "(a plain `postgresql://` or `postgres://` URL gets the asyncpg driver).",
    )
    secret_key: str = Field(
        "",
        description="Signs JWTs. Empty outside production: a random key is kept in "
        "`<data_dir>/.secret_key`. Required (≥ 32 characters) in production.",
    )
    jwt_lifetime_s: int = Field(
        3600 * 8,
        ge=60,
        description="How long a login token is valid (seconds). Logout, logout everywhere, a new password, "
        "deactivation and a role change end tokens sooner.",
    )
    open_registration: bool = Field(
        False,
        description="Anyone may register (as `viewer`). Off: only the first account on an empty server "
        "registers (and is `admin`); admins add the others.",
    )
    register_max_per_ip: int = Field(5, ge=1, description="Registration attempts per IP within the window.")
    register_window_s: int = Field(3600, ge=1, description="Sliding window of the registration limit.")
    login_max_failures_per_account_ip: int = Field(
        5, ge=1, description="Failed logins per account from one IP within the window before 429."
    )
    login_max_failures_per_account: int = Field(
        20,
        ge=1,
        description="Failed logins per account from all IPs within the window; beyond it only a device "
        "that logged in to the account before (its device cookie) may log in.",
    )
    login_max_attempts_per_ip: int = Field(30, ge=1, description="Login attempts per IP within the window.")
    login_window_s: int = Field(300, ge=1, description="Sliding window of the login limits.")
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses or networks (`127.0.0.1`, `10.0.0.0/8`) of reverse proxies "
        "whose `X-Forwarded-For`/`-Proto` are believed. Empty: none, the peer's address is the client's.",
    )
    file_roots: str = Field(
        "",
        description="`:`-separated folders from which video files may be added as cameras. Empty: none.",
    )
    outbound_deny: str = Field(
        "",
        description="Comma-separated networks (CIDR) no camera, camera test or webhook may connect to, on "
        "top of the defaults; wins over the allow lists (README: Cameras; docs/alerts.md).",
    )
    outbound_allow_cameras: str = Field(
        "",
        description="Networks cameras may be on although the defaults refuse them (link-local, metadata, "
        "multicast), e.g. `169.254.12.0/24` for cameras with self-assigned addresses.",
    )
    outbound_allow_webhooks: str = Field(
        "",
        description="Networks webhooks may reach although the defaults refuse them (loopback, private, "
        "link-local…), e.g. `10.1.2.3/32` for a receiver on your LAN.",
    )
    outbound_allow_push: str = Field(
        "",
        description="Networks Web Push services may be on although the defaults refuse them (loopback, "
        "private…), e.g. a self-hosted push service; public addresses only otherwise.",
    )
    analysis_workers: int = Field(
        0, ge=0, description="Processes running the models; 0 = one less than the CPU count (at least 1)."
    )
    read_timeout_s: float = Field(
        5.0, gt=0, description="A camera that sends nothing for this long is offline; it is reconnected."
    )
    object_model: Path = Field(
        REPO_ROOT / "models" / "onnx" / "nanodet.onnx",
        description="ONNX object detector: the bundled NanoDet, or your own YOLOv8/YOLO11 export.",
    )
    object_model_format: Literal["nanodet", "yolov8"] = Field(
        "nanodet", description="Layout of `object_model`."
    )
    person_threshold: float = Field(0.5, gt=0, lt=1, description="Minimum confidence of a person (NanoDet).")
    object_threshold: float = Field(0.5, gt=0, lt=1, description="Minimum confidence of other objects.")
    pose_model: Path = Field(
        REPO_ROOT / "models" / "onnx" / "movenet-multipose.onnx",
        description="ONNX pose model (MoveNet MultiPose), run on each detected person's crop.",
    )
    pose_enabled: bool = Field(
        True, description="Estimate poses (about 20 ms per person per analysed frame)."
    )
    pose_schedule: bool = Field(
        True,
        description="Poses only for the people whose actions need one: close to another person, low or "
        "moving fast on every analysed frame, everyone else once a second (docs/performance.md); `false`: "
        "a pose for everyone on every analysed frame.",
    )
    device: Literal["cpu", "cuda", "tensorrt", "openvino-cpu", "openvino-gpu", "openvino"] = Field(
        "cpu",
        description="Where the object and pose models run: `cuda`/`tensorrt` need onnxruntime-gpu, "
        "`openvino-*` onnxruntime-openvino, installed in place of onnxruntime; `openvino` is OpenVINO's "
        "own runtime on the CPU (`pip install 'vigil[openvino]'`).",
    )
    faces_enabled: bool = Field(
        True,
        description="Find faces on people tall enough to show one (≥ 120 px) and classify their emotion.",
    )
    face_model: Path = Field(
        REPO_ROOT / "models" / "cache" / "face_detection_full_range_sparse.tflite",
        description="TFLite face detector (MediaPipe BlazeFace); `make models` puts the default in place.",
    )
    emotion_model: Path = Field(
        REPO_ROOT / "models" / "cache" / "emotion_model_quantized.tflite",
        description="TFLite 7-class emotion model (mini-Xception); `make models` puts the default in place.",
    )
    sound_enabled: bool = Field(
        True,
        description="Listen to the cameras: screams, glass, gunshots, sirens, alarms, barking, speech.",
    )
    sound_yamnet_onnx: bool = Field(
        True,
        description="Hear sounds with YAMNet (AudioSet's 521 classes, ONNX from `make models`), the default "
        "sound model; off: the older ensemble (movie SVM and acoustic detectors) names sounds alone.",
    )
    sound_yamnet_onnx_model: Path = Field(
        REPO_ROOT / "models" / "cache" / "yamnet" / "model.onnx",
        description="YAMNet's ONNX graph; its weights `model.data` and `yamnet_class_map.csv` lie beside it.",
    )
    sound_yamnet_onnx_thresholds: Path = Field(
        REPO_ROOT / "models" / "audio" / "yamnet-thresholds.yaml",
        description="The score at which each sound label fires in YAMNet (chosen by `make eval-audio`).",
    )
    sound_vad_model: Path = Field(
        REPO_ROOT / "models" / "cache" / "silero_vad.onnx",
        description="Silero VAD speech detector (ONNX); `make models` puts it in place.",
    )
    sound_svm_model: Path = Field(
        REPO_ROOT / "models" / "audio" / "svm-movie8class.npz",
        description="pyAudioAnalysis' screams/shots/fights SVM, converted to plain arrays (committed).",
    )
    sound_yamnet_model: Path | None = Field(
        None, description="Your YAMNet `.tflite` (e.g. Frigate's), added to the sound ensemble."
    )
    sound_yamnet_labels: Path | None = Field(
        None,
        description="YAMNet's class names (yamnet_class_map.csv or Frigate's label map) if not in the file.",
    )
    sound_panns_model: Path | None = Field(
        None, description="Your PANNs CNN14 checkpoint (`Cnn14_mAP=0.431.pth`; needs the `[torch]` extra)."
    )
    sound_panns_labels: Path | None = Field(
        None, description="AudioSet's `class_labels_indices.csv`, which a PANNs model needs."
    )
    speech_enabled: bool | None = Field(
        None,
        description="Speech to text (Whisper tiny.en) for cameras whose `transcribe` switch is on; words of "
        "distress become evidence. Unset: on where faster-whisper is installed (the `[speech]` extra, which "
        "`make install` includes). On without the package or the model (`make models`), the server refuses "
        "to start.",
    )
    speech_model: Path = Field(
        REPO_ROOT / "models" / "cache" / "whisper-tiny-en",
        description="Folder of the Whisper model (CTranslate2: model.bin, config.json, tokenizer.json, "
        "vocabulary.txt); `make models` puts it in place.",
    )
    speech_keywords: str = Field(
        ", ".join(DEFAULT_KEYWORDS),
        min_length=1,
        description="Comma-separated words and phrases of distress looked for in transcripts (case, "
        "punctuation and apostrophes ignored; whole words only).",
    )
    speech_min_interval_s: float = Field(
        6.0,
        ge=0,
        description="A camera's speech is transcribed at most once in this many seconds (each clip costs "
        "about 0.6 s of one core: 6 s keeps a talking camera under 0.1 core).",
    )
    speech_max_clip_s: float = Field(
        12.0, gt=0, le=30, description="The longest stretch of speech transcribed at once (seconds)."
    )
    retention_days: float = Field(
        30.0, ge=0, description="Incident media older than this are deleted (0: kept however old)."
    )
    retention_gb_per_camera: float = Field(
        20.0,
        ge=0,
        description="Each camera's incident media are kept under this, oldest deleted first (0: no cap).",
    )
    min_free_gb: float = Field(
        2.0, ge=0, description="Below this much free disk, the oldest incident media are deleted first."
    )
    timezone: str = Field(
        "", description="IANA time zone of the cameras' schedules (e.g. Europe/Paris); empty: this machine's."
    )
    anomaly_enabled: bool = Field(
        True,
        description="Learn each camera's usual activity by hour of the week and raise `anomaly` incidents "
        "when it is far from it (docs/anomaly.md).",
    )
    anomaly_slot_s: float = Field(
        300.0, ge=10, le=3600, description="The stretch of activity judged at once against the baseline (s)."
    )
    anomaly_min_days: int = Field(
        7, ge=0, le=365, description="Days of a camera's history before its anomalies may fire."
    )
    pre_roll_s: float = Field(5.0, ge=0, le=60, description="Seconds of an incident's clip before it starts.")
    post_roll_s: float = Field(5.0, ge=0, le=60, description="Seconds of an incident's clip after it ends.")
    buffer_s: float = Field(
        60.0,
        gt=0,
        le=600,
        description="Seconds of encoded video and audio each camera keeps for clips (an incident longer than "
        "this minus the pre- and post-roll loses its start).",
    )
    demo_video: Path | None = Field(
        None,
        description="A video file added as a looping demo camera for the first admin (`make run` sets it).",
    )
    metrics_token: str = Field("", description="Bearer token a Prometheus scraper sends to `/metrics`.")
    frontend_dist: Path = Field(
        REPO_ROOT / "frontend" / "dist", description="Built dashboard served at `/` when present."
    )
    cors_origins: str = Field("", description="Comma-separated origins allowed by CORS (dev servers).")
    max_body_bytes: int = Field(
        1_048_576,
        ge=1024,
        description="Largest request body, refused with 413 before it is read; routes that need more "
        "(the rules editor's drafts) declare their own cap.",
    )
    redis_url: str = Field(
        "",
        validation_alias=AliasChoices("VIGIL_REDIS_URL", "REDIS_URL"),
        description="Redis for background jobs (alert delivery) run by `vigil worker`; empty: in-process.",
    )
    live_redis: bool = Field(
        False,
        description="Share live events (socket.io), camera health and control messages through Redis "
        "(`REDIS_URL`), so that several API nodes behind a balancer each see every camera (docs/deploy.md).",
    )
    run_cameras: bool = Field(
        True,
        description="This node runs the cameras' units (in cluster mode: starts their Ray actors); false on "
        "API-only nodes, where another node runs them (needs `VIGIL_LIVE_REDIS`).",
    )
    ray_address: str = Field(
        "",
        description="Cluster mode: the Ray cluster's address (`host:port` of its head); each enabled "
        "camera's unit runs as a Ray actor there, not in this process (the `cluster` extra; docs/deploy.md).",
    )
    node_ip: str = Field(
        "127.0.0.1",
        description="Cluster mode: this machine's address as the other Ray nodes reach it, given to Ray so "
        "it never guesses it (Ray's guess connects to 8.8.8.8).",
    )
    camera_slots: int = Field(
        4,
        ge=0,
        description="`vigil ray-node`: how many camera units this node holds (0: a head that runs none).",
    )
    ray_perception_actors: int = Field(
        0,
        ge=0,
        le=256,
        description="Cluster mode: 0, each camera's actor runs its own models; N, N shared perception actors "
        "hold the models and serve every camera's frames and sound, batching what arrives together "
        '(docs/deploy.md, "Shared perception").',
    )
    ray_perception_cpus: float = Field(
        1.0, ge=0, description="Cluster mode: the CPUs each shared perception actor holds on its node."
    )
    ray_perception_gpus: float = Field(
        0.0,
        ge=0,
        description="Cluster mode: the GPUs each shared perception actor holds (Ray places it on a GPU node; "
        "set `VIGIL_DEVICE=cuda` for the models to use it).",
    )
    ray_batch_window_ms: float = Field(
        5.0,
        ge=0,
        le=1000,
        description="Cluster mode: how long a shared perception actor waits after a frame for other cameras' "
        "frames to analyse in the same call.",
    )
    ray_batch_max: int = Field(
        8,
        ge=1,
        le=64,
        description="Cluster mode: the most frames a shared perception actor takes in one call.",
    )
    public_url: str = Field(
        "", description="The dashboard's address in alert links; empty: `http://<host>:<port>`."
    )
    smtp_host: str = Field("", description="SMTP server for e-mail alerts; empty: no e-mail.")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port (587 STARTTLS, 465 SSL, 25 none).")
    smtp_security: Literal["starttls", "ssl", "none"] = Field("starttls", description="SMTP encryption.")
    smtp_username: str = Field("", description="SMTP login; empty: no login.")
    smtp_password: SecretStr = Field(SecretStr(""), description="SMTP password (never logged).")
    smtp_sender: str = Field("vigil@localhost", description="From address of alert e-mails.")
    twilio_account_sid: str = Field("", description="Twilio account SID for SMS alerts; empty: no SMS.")
    twilio_auth_token: SecretStr = Field(SecretStr(""), description="Twilio auth token (never logged).")
    twilio_from: str = Field("", description="Sender: a Twilio number (E.164) or a Messaging Service SID.")
    twilio_api_url: str = Field("", description="Another base URL for Twilio's API; empty: Twilio's own.")
    webhook_secret: SecretStr = Field(
        SecretStr(""), description="HMAC key of webhook routes that have no secret of their own."
    )
    webhook_timeout_s: float = Field(10.0, gt=0, description="A webhook receiver must answer within this.")
    mqtt_url: str = Field("", description="MQTT broker, `mqtt://user:pass@host:1883`; empty: none.")
    mqtt_topic_prefix: str = Field("vigil", description="Topics are `<prefix>/<camera>/incident|state`.")
    alert_max_attempts: int = Field(6, ge=1, description="Attempts per alert delivery before it fails.")
    alert_retry_first_s: float = Field(5.0, gt=0, description="Wait after the first failed attempt; doubles.")
    alert_retry_max_s: float = Field(600.0, gt=0, description="Longest wait between two attempts.")
    alert_attempt_timeout_s: float = Field(
        30.0,
        gt=0,
        le=600,
        description="An attempt not finished after this is a failed attempt (a hung receiver). A `vigil "
        "worker` killed in the middle of one leaves its job to another worker this + 15 s later.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="Log verbosity.")

    @field_validator(
        "data_dir",
        "frontend_dist",
        "object_model",
        "pose_model",
        "face_model",
        "emotion_model",
        "sound_vad_model",
        "sound_svm_model",
        "sound_yamnet_onnx_model",
        "sound_yamnet_onnx_thresholds",
        "speech_model",
    )
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("speech_keywords")
    @classmethod
    def _some_keyword(cls, value: str) -> str:
        if not normalise_keywords(value.split(",")):
            raise ValueError("give at least one word or phrase, comma-separated (e.g. help, let me go)")
        return value

    @field_validator("sound_yamnet_model", "sound_yamnet_labels", "sound_panns_model", "sound_panns_labels")
    @classmethod
    def _absolute_or_none(cls, value: Path | None) -> Path | None:
        return value.expanduser().resolve() if value is not None and str(value) not in ("", ".") else None

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        for item in (part.strip() for part in value.split(",")):
            if item:
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError as error:
                    raise ValueError(
                        f"{item!r} is not an IP address or network (e.g. 127.0.0.1, 10.0.0.0/8)"
                    ) from error
        return value

    @field_validator(
        "outbound_deny", "outbound_allow_cameras", "outbound_allow_webhooks", "outbound_allow_push"
    )
    @classmethod
    def _outbound_networks(cls, value: str) -> str:
        parse_networks(value)  # raises ValueError naming the item
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as error:
                raise ValueError(
                    f"unknown time zone {value!r} (an IANA name such as Europe/Paris)"
                ) from error
        return value

    def tzinfo(self) -> tzinfo:
        """The schedules' time zone: `timezone`, else this machine's."""
        if self.timezone:
            return ZoneInfo(self.timezone)
        local = datetime.now().astimezone().tzinfo
        return local if local is not None else UTC

    @model_validator(mode="after")
    def _buffer_holds_a_clip(self) -> Settings:
        if self.buffer_s < self.pre_roll_s + self.post_roll_s + 10:
            raise ValueError(
                f"VIGIL_BUFFER_S ({self.buffer_s:g}) must be at least the pre-roll + post-roll + 10 s "
                f"({self.pre_roll_s + self.post_roll_s + 10:g}): clips are cut from that buffer"
            )
        return self

    @model_validator(mode="after")
    def _sharing_needs_redis(self) -> Settings:
        if self.live_redis and not self.redis_url:
            raise ValueError("VIGIL_LIVE_REDIS needs REDIS_URL: the nodes share live events through Redis")
        if not self.run_cameras and not self.live_redis:
            raise ValueError(
                "VIGIL_RUN_CAMERAS=false needs VIGIL_LIVE_REDIS=true: an API node that runs no camera sees "
                "the others' health and incidents through Redis"
            )
        if self.ray_address and not self.live_redis:
            raise ValueError(
                "VIGIL_RAY_ADDRESS needs VIGIL_LIVE_REDIS=true: the cameras' actors send health and "
                "incidents to the API nodes through Redis"
            )
        if self.ray_address and not self.run_cameras:
            raise ValueError(
                "VIGIL_RAY_ADDRESS with VIGIL_RUN_CAMERAS=false: a node in cluster mode starts and updates "
                "the cameras' Ray actors; leave VIGIL_RUN_CAMERAS true, or unset VIGIL_RAY_ADDRESS for a "
                "node that only answers the API"
            )
        return self

    @model_validator(mode="after")
    def _panns_needs_labels(self) -> Settings:
        if self.sound_panns_model is not None and self.sound_panns_labels is None:
            raise ValueError(
                "VIGIL_SOUND_PANNS_MODEL needs VIGIL_SOUND_PANNS_LABELS (class_labels_indices.csv)"
            )
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.env == "production" and (
            self.secret_key.strip().lower() in PLACEHOLDER_SECRETS or len(self.secret_key) < 32
        ):
            raise ValueError(
                "VIGIL_SECRET_KEY must be set to a random string of at least 32 characters in production "
                '(python -c "import secrets; print(secrets.token_urlsafe(48))")'
            )
        return self

    @cached_property
    def jwt_secret(self) -> str:
        """`secret_key`, or else a random key kept in `<data_dir>/.secret_key` (logins survive restarts)."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / ".secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(48))
        return path.read_text().strip()

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str | None) -> str | None:
        """The URLs hosting platforms and compose files hand out name no driver: use the async one."""
        if not value:
            return None
        for plain in ("postgres://", "postgresql://"):
            if value.startswith(plain):
                return "postgresql+asyncpg://" + value.removeprefix(plain)
        return value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'vigil.db'}"

    @property
    def analysis_worker_count(self) -> int:
        return self.analysis_workers or max(1, (os.cpu_count() or 2) - 1)

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def trusted_proxy_networks(self) -> list[str]:
        return [part.strip() for part in self.trusted_proxies.split(",") if part.strip()]

    @property
    def speech_keyword_list(self) -> tuple[str, ...]:
        return tuple(" ".join(words) for words in normalise_keywords(self.speech_keywords.split(",")))

    @property
    def speech_on(self) -> bool:
        """Speech to text is wanted: set on, or unset and faster-whisper is installed."""
        if not self.sound_enabled:
            return False
        if self.speech_enabled is not None:
            return self.speech_enabled
        return importlib.util.find_spec("faster_whisper") is not None

    @property
    def allowed_file_roots(self) -> tuple[Path, ...]:
        return tuple(Path(p).expanduser().resolve() for p in self.file_roots.split(":") if p.strip())

    def camera_outbound(self) -> OutboundPolicy:
        """Where cameras and the camera test may connect (this server's own port never)."""
        return camera_policy(
            parse_networks(self.outbound_allow_cameras), parse_networks(self.outbound_deny), (self.port,)
        )

    def push_outbound(self) -> OutboundPolicy:
        """Where Web Push notifications may be sent (push services on the public internet, and
        `outbound_allow_push`)."""
        return push_policy(
            parse_networks(self.outbound_allow_push), parse_networks(self.outbound_deny), (self.port,)
        )

    def webhook_outbound(self) -> OutboundPolicy:
        """Where webhooks may be delivered (the public internet, and what `outbound_allow_webhooks` adds)."""
        return webhook_policy(
            parse_networks(self.outbound_allow_webhooks), parse_networks(self.outbound_deny), (self.port,)
        )
