"""deploy/: what can be checked without a Docker daemon or a Kubernetes cluster.

The Dockerfile's stages and the files it copies, the compose file's services and profiles, the Kubernetes
manifests' kinds, probes and users, and that every Vigil setting they name is a real one. Nothing here
builds an image or starts a container (docs/deploy.md says what was not run).
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import yaml

import vigil
from tests.servers.vigil_process import start_vigil, vigil_env
from vigil.api.app import API_PREFIX
from vigil.api.routes import health
from vigil.cli import main as vigil_main
from vigil.cluster.ray_env import QUIET_ENV

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
HEALTH_PATH = f"{API_PREFIX}/health"
# names that belong to Vigil's settings; anything else (RAY_*, POSTGRES_*, APP_IMAGE…) is not ours
VIGIL_NAME = re.compile(r"\bVIGIL_[A-Z0-9_]+\b")


def _settings_table() -> ModuleType:
    spec = importlib.util.spec_from_file_location("settings_table", DEPLOY / "settings_table.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SETTINGS_ENV = _settings_table().all_env_names()


def unknown_settings(names: set[str]) -> set[str]:
    return {name for name in names if name not in SETTINGS_ENV}


# --------------------------------------------------------------------------------------------- Dockerfile
@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for key, args in self.instructions if key == keyword]

    def last(self, keyword: str) -> str:
        found = self.all(keyword)
        assert found, f"stage {self.name} has no {keyword}"
        return found[-1]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for args in self.all("ENV"):
            for pair in shlex.split(args):
                key, _, value = pair.partition("=")
                values[key] = value
        return values


def _instructions(text: str) -> Iterator[tuple[str, str]]:
    logical = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not logical and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical += line
        keyword, _, args = logical.partition(" ")
        yield keyword.upper(), args.strip()
        logical = ""


def parse_dockerfile(path: Path) -> tuple[dict[str, str], list[Stage]]:
    """The ARGs declared before the first FROM (with defaults) and the stages in order."""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for keyword, args in _instructions(path.read_text()):
        if keyword == "FROM":
            match = re.fullmatch(r"(?:--platform=\S+\s+)?(\S+)\s+AS\s+(\S+)", args, re.IGNORECASE)
            assert match, f"every stage is named: FROM {args}"
            stages.append(Stage(name=match[2], base=match[1]))
        elif not stages:
            assert keyword == "ARG", f"only ARG may come before the first FROM, not {keyword}"
            name, _, default = args.partition("=")
            global_args[name] = default
        else:
            stages[-1].instructions.append((keyword, args))
    return global_args, stages


GLOBAL_ARGS, STAGES = parse_dockerfile(DEPLOY / "Dockerfile")
STAGE = {stage.name: stage for stage in STAGES}
RUNTIMES = ("runtime", "runtime-gpu")


def _copy_sources(args: str) -> tuple[str | None, list[str]]:
    words = shlex.split(args)
    options = [w for w in words if w.startswith("--")]
    paths = [w for w in words if not w.startswith("--")]
    source_stage = next((o.split("=", 1)[1] for o in options if o.startswith("--from=")), None)
    return source_stage, paths[:-1]


def _dockerignored(relative: str) -> bool:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    parts = Path(relative).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(
        fnmatch.fnmatch(prefix, pattern.removeprefix("**/")) or fnmatch.fnmatch(prefix, pattern)
        for pattern in patterns
        for prefix in prefixes
    )


def test_dockerfile_has_the_named_stages_and_runtime_is_the_default_target() -> None:
    assert list(STAGE) == ["dashboard", "builder", "gpu-builder", "runtime-gpu", "runtime"]
    assert STAGES[-1].name == "runtime", "`docker build` without --target builds the last stage"
    for stage in STAGES:
        image = re.sub(r"\$\{(\w+)\}", lambda m: GLOBAL_ARGS.get(m[1], m[0]), stage.base)
        assert "$" not in image, f"{stage.name}: base image {image!r} names an undeclared ARG"
        assert ":" in image, f"{stage.name}: base image {image!r} has no pinned tag"
    assert GLOBAL_ARGS["PYTHON_IMAGE"].startswith("python:3.11-slim")
    assert GLOBAL_ARGS["NODE_IMAGE"].startswith("node:20")
    assert GLOBAL_ARGS["CUDA_IMAGE"].startswith("nvidia/cuda:13.")  # onnxruntime-gpu 1.31 wants CUDA 13
    assert "runtime" in GLOBAL_ARGS["CUDA_IMAGE"]


def test_copy_from_names_an_earlier_stage_and_copied_paths_exist_in_the_context() -> None:
    seen: set[str] = set()
    for stage in STAGES:
        for args in stage.all("COPY"):
            source_stage, sources = _copy_sources(args)
            if source_stage is not None:
                assert source_stage in seen, f"{stage.name}: COPY --from={source_stage} is no earlier stage"
                continue
            for source in sources:
                assert (ROOT / source).exists(), f"{stage.name}: COPY {source}: not in the repository"
                assert not _dockerignored(source.rstrip("/")), f"COPY {source}: .dockerignore leaves it out"
        seen.add(stage.name)


def test_dockerignore_keeps_local_state_out_of_the_build_context() -> None:
    for local in (".venv", "data", "frontend/node_modules", "frontend/dist", "models/cache", ".env", ".git"):
        assert _dockerignored(local), f"{local} would be sent to the Docker daemon"
    for needed in ("backend/vigil/settings.py", "models/manifest.yaml", "frontend/src", "alembic.ini"):
        assert not _dockerignored(needed), f"{needed} is needed by the build"


def test_builder_installs_the_speech_extra_and_fetches_the_default_models() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    for name in ("builder", "gpu-builder"):
        stage = STAGE[name]
        default_extras = next(a for a in stage.all("ARG") if a.startswith("EXTRAS=")).split("=", 1)[1]
        assert "speech" in default_extras.split(",")
        assert all(extra in extras for extra in default_extras.split(","))
        assert any('pip install -e ".[${EXTRAS}]"' in run for run in stage.all("RUN"))
    assert any("vigil models fetch" in run for run in STAGE["builder"].all("RUN"))
    # the models come from the builder into both runtimes
    assert any("--from=builder /opt/vigil/app/models" in c for c in STAGE["runtime-gpu"].all("COPY"))
    assert any("--from=builder /opt/vigil/app " in c for c in STAGE["runtime"].all("COPY"))


def test_gpu_variant_swaps_onnxruntime_for_a_close_version_of_onnxruntime_gpu() -> None:
    pins = {
        dep.split("==")[0]: dep.split("==")[1] for dep in PYPROJECT["project"]["dependencies"] if "==" in dep
    }
    stage = STAGE["gpu-builder"]
    version = next(a for a in stage.all("ARG") if a.startswith("ONNXRUNTIME_GPU_VERSION=")).split("=", 1)[1]
    # onnxruntime-gpu lags the CPU package on PyPI (1.32.0 has no GPU release yet): one minor at most
    gpu_major, gpu_minor = (int(part) for part in version.split(".")[:2])
    cpu_major, cpu_minor = (int(part) for part in pins["onnxruntime"].split(".")[:2])
    assert gpu_major == cpu_major, f"onnxruntime-gpu {version} against the pin {pins['onnxruntime']}"
    assert cpu_minor - 1 <= gpu_minor <= cpu_minor, f"onnxruntime-gpu {version}, pin {pins['onnxruntime']}"
    install = " ".join(stage.all("RUN"))
    assert install.index("pip uninstall -y onnxruntime") < install.index("onnxruntime-gpu==")
    assert STAGE["runtime-gpu"].base == "${CUDA_IMAGE}"
    assert STAGE["runtime-gpu"].env()["VIGIL_DEVICE"] == "cuda"


@pytest.mark.parametrize("name", RUNTIMES)
def test_runtime_runs_the_vigil_console_script_as_a_non_root_user(name: str) -> None:
    stage = STAGE[name]
    entrypoint = json.loads(stage.last("ENTRYPOINT"))
    assert entrypoint == ["vigil"]
    assert PYPROJECT["project"]["scripts"]["vigil"] == "vigil.cli:main"
    command = json.loads(stage.last("CMD"))
    assert command == ["serve", "--host", "0.0.0.0"]  # noqa: S104 (the container's interface)
    with pytest.raises(SystemExit) as help_exit:  # the real CLI accepts the command (help exits 0)
        vigil_main([*command, "--help"])
    assert help_exit.value.code == 0
    user = stage.last("USER")
    assert user not in ("root", "0")
    assert any("useradd --system --uid 10001 --user-group" in r and user in r for r in stage.all("RUN"))


@pytest.mark.parametrize("name", RUNTIMES)
def test_runtime_health_check_asks_the_api_health_route_with_python(name: str) -> None:
    assert any(route.path == "/health" for route in health.router.routes), "the route moved"
    check = STAGE[name].last("HEALTHCHECK")
    assert f"{HEALTH_PATH}" in check
    assert '"python", "-c"' in check
    assert "curl" not in check


@pytest.mark.parametrize("name", RUNTIMES)
def test_runtime_serves_the_built_dashboard_keeps_data_in_a_volume_and_turns_telemetry_off(name: str) -> None:
    stage = STAGE[name]
    env = stage.env()
    dist = env["VIGIL_FRONTEND_DIST"]
    assert any(c == f"--from=dashboard /src/frontend/dist {dist}" for c in stage.all("COPY"))
    assert any("npm run build" in run for run in STAGE["dashboard"].all("RUN"))
    assert env["VIGIL_DATA_DIR"] == "/data"
    assert '["/data"]' in stage.all("VOLUME")
    # every off-switch the code sets for itself (vigil/__init__.py) is in the image too, for `ray start`
    assert {k: env.get(k) for k in vigil._PRIVATE_RUNTIMES} == vigil._PRIVATE_RUNTIMES
    assert {k: env.get(k) for k in QUIET_ENV} == dict(QUIET_ENV)  # what `vigil ray-node` sets for Ray
    assert not unknown_settings({k for k in env if k.startswith("VIGIL_")})


def test_dockerfile_names_only_real_settings() -> None:
    assert not unknown_settings(set(VIGIL_NAME.findall((DEPLOY / "Dockerfile").read_text())))


# ---------------------------------------------------------------------------------------------- compose
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
VIGIL_SERVICES = ("migrate", "ray-head", "ray-worker", "ray-worker-gpu", "api", "worker")


def _command(service: dict[str, Any]) -> str:
    return " ".join([*service.get("entrypoint", []), *service.get("command", [])])


def test_compose_has_the_services_and_profiles() -> None:
    assert set(SERVICES) == {"postgres", "redis", "mosquitto", *VIGIL_SERVICES}
    assert SERVICES["mosquitto"]["profiles"] == ["mqtt"]
    assert SERVICES["ray-worker-gpu"]["profiles"] == ["gpu"]
    always = [name for name, service in SERVICES.items() if "profiles" not in service]
    assert sorted(always) == sorted(set(SERVICES) - {"mosquitto", "ray-worker-gpu"})
    assert SERVICES["postgres"]["image"].startswith("postgres:16")
    for name in ("postgres", "redis"):
        assert SERVICES[name]["healthcheck"]["test"], f"{name} has no health check"
        assert SERVICES[name]["volumes"], f"{name} keeps no data"


def test_compose_builds_real_stages_of_the_dockerfile() -> None:
    for name in VIGIL_SERVICES:
        build = SERVICES[name]["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
        assert build["target"] in STAGE
        assert build["target"] in RUNTIMES
        for extra in build["args"]["EXTRAS"].split(","):
            assert extra in PYPROJECT["project"]["optional-dependencies"], f"{name}: no extra {extra!r}"
    assert SERVICES["ray-worker-gpu"]["build"]["target"] == "runtime-gpu"
    assert SERVICES["api"]["build"]["target"] == "runtime"


def test_compose_gpu_worker_reserves_nvidia_devices() -> None:
    devices = SERVICES["ray-worker-gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia"
    assert devices[0]["capabilities"] == ["gpu"]
    assert SERVICES["ray-worker-gpu"]["environment"]["VIGIL_DEVICE"] == "cuda"


def test_compose_scalable_services_have_no_fixed_host_port() -> None:
    for name in ("api", "ray-worker", "worker"):
        for port in SERVICES[name].get("ports", []):
            host = str(port).rsplit(":", 1)[0]
            assert "-" in host, f"{name}: host port {host} collides when scaled; use a range"
    assert "deploy" not in SERVICES["api"] or "replicas" not in SERVICES["api"]["deploy"]


def _vigil_args(shell: str) -> list[str]:
    """The arguments of the `exec vigil …` that ends a service's shell command."""
    return shlex.split(shell.split("exec vigil ", 1)[1])


def test_compose_ray_nodes_run_vigil_ray_node_announcing_their_own_address() -> None:
    for name in ("ray-head", "ray-worker", "ray-worker-gpu", "api"):
        command = _command(SERVICES[name])
        assert 'export VIGIL_NODE_IP="$$(hostname -i' in command, f"{name} lets Ray guess its address"
        args = _vigil_args(command)
        with pytest.raises(SystemExit) as help_exit:  # the real CLI takes these arguments
            vigil_main([*args, "--help"])
        assert help_exit.value.code == 0, f"{name}: vigil {' '.join(args)}"
    assert _vigil_args(_command(SERVICES["ray-head"])) == ["ray-node", "--head", "--num-cpus", "0"]
    assert SERVICES["ray-head"]["environment"]["VIGIL_CAMERA_SLOTS"] == "0"
    for name in ("ray-worker", "ray-worker-gpu"):
        assert _vigil_args(_command(SERVICES[name])) == ["ray-node", "--address", "ray-head:6379"]
    assert _vigil_args(_command(SERVICES["api"]))[:3] == ["serve", "--host", "0.0.0.0"]  # noqa: S104
    assert SERVICES["worker"]["command"] == ["worker"]
    assert SERVICES["migrate"]["command"] == ["migrate"]


def test_compose_settings_are_real_and_secrets_required() -> None:
    for name in VIGIL_SERVICES:
        env = SERVICES[name]["environment"]
        ours = {k for k in env if k.startswith("VIGIL_") or k in ("DATABASE_URL", "REDIS_URL", "PORT")}
        assert not unknown_settings(ours), f"{name}: {unknown_settings(ours)}"
        assert env["VIGIL_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert "${VIGIL_SECRET_KEY:?" in env["VIGIL_SECRET_KEY"], "a missing key must stop compose"
        assert env["VIGIL_RAY_ADDRESS"] == "ray-head:6379"
        assert SERVICES[name]["env_file"][0]["path"] == "vigil.env"
    text = (DEPLOY / "compose.yaml").read_text() + (DEPLOY / "env.example").read_text()
    assert not unknown_settings(set(VIGIL_NAME.findall(text)))


def test_compose_waits_for_migrations_and_healthy_dependencies() -> None:
    api = SERVICES["api"]["depends_on"]
    assert api["migrate"]["condition"] == "service_completed_successfully"
    assert api["redis"]["condition"] == "service_healthy"
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert SERVICES["ray-worker"]["depends_on"]["ray-head"]["condition"] == "service_healthy"
    # the image's HTTP health check means nothing where no API listens
    for name in ("migrate", "ray-worker", "ray-worker-gpu", "worker"):
        assert SERVICES[name]["healthcheck"] == {"disable": True}


def test_compose_files_it_mounts_exist() -> None:
    for service in SERVICES.values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).is_file(), f"{source} is mounted but missing"
            else:
                assert source in COMPOSE["volumes"], f"volume {source} is not declared"


# ------------------------------------------------------------------------------------------- Kubernetes
EXPECTED_KINDS = {
    ("v1", "Namespace"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "Service"),
    ("v1", "PersistentVolumeClaim"),
    ("apps/v1", "Deployment"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("batch/v1", "Job"),
    ("ray.io/v1", "RayCluster"),
    ("kustomize.config.k8s.io/v1beta1", "Kustomization"),
}
MANIFESTS = sorted(KUBERNETES.glob("*.yaml"))
DOCUMENTS = [
    (path.name, doc) for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc is not None
]


def _one(kind: str, name: str) -> dict[str, Any]:
    found = [doc for _, doc in DOCUMENTS if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind} {name}: {len(found)} found"
    return found[0]


def _pod_specs() -> Iterator[tuple[str, dict[str, Any]]]:
    for _, doc in DOCUMENTS:
        if doc["kind"] in ("Deployment", "Job"):
            yield doc["metadata"]["name"], doc["spec"]["template"]["spec"]
        elif doc["kind"] == "RayCluster":
            yield "ray head", doc["spec"]["headGroupSpec"]["template"]["spec"]
            for group in doc["spec"]["workerGroupSpecs"]:
                yield f"ray {group['groupName']}", group["template"]["spec"]


def test_every_manifest_parses_with_an_expected_api_version_and_kind() -> None:
    assert {"raycluster.yaml", "api.yaml", "worker.yaml", "configmap.yaml", "kustomization.yaml"} <= {
        p.name for p in MANIFESTS
    }
    for name, doc in DOCUMENTS:
        assert (doc.get("apiVersion"), doc.get("kind")) in EXPECTED_KINDS, f"{name}: {doc.get('kind')}"
        if doc["kind"] != "Kustomization":
            assert doc["metadata"]["name"], name


def test_kustomization_applies_every_manifest_but_the_secret_template() -> None:
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in MANIFESTS} - {"kustomization.yaml", "secret.example.yaml"}
    assert {image["name"] for image in kustomization["images"]} == {"vigil", "vigil-gpu"}


def test_raycluster_has_a_head_a_cpu_worker_group_and_an_optional_gpu_group() -> None:
    cluster = _one("RayCluster", "vigil")["spec"]
    assert cluster["headGroupSpec"]["template"]["spec"]["containers"][0]["image"] == "vigil"
    groups = {group["groupName"]: group for group in cluster["workerGroupSpecs"]}
    assert set(groups) == {"cpu", "gpu"}
    assert groups["cpu"]["replicas"] >= 1
    assert groups["cpu"]["maxReplicas"] > groups["cpu"]["minReplicas"]
    gpu = groups["gpu"]
    assert gpu["replicas"] == 0
    gpu_container = gpu["template"]["spec"]["containers"][0]
    assert gpu_container["image"] == "vigil-gpu"
    assert gpu_container["resources"]["limits"]["nvidia.com/gpu"] == 1
    # every Ray container runs Vigil's quiet `ray start`, announcing the pod's IP, with probes of its own
    # (KubeRay's defaults ask Ray's dashboard, which Vigil's nodes do not start)
    resource = _one("RayCluster", "vigil")
    assert resource["metadata"]["annotations"]["ray.io/overwrite-container-cmd"] == "true"
    for name, spec in _pod_specs():
        if not name.startswith("ray"):
            continue
        container = spec["containers"][0]
        args = _vigil_args(container["args"][0])  # the address stays "$VIGIL_RAY_ADDRESS"
        assert args[0] == "ray-node", name
        with pytest.raises(SystemExit) as help_exit:
            vigil_main([*args, "--help"])
        assert help_exit.value.code == 0, f"{name}: vigil {' '.join(args)}"
        env = {e["name"]: e for e in container["env"]}
        assert env["VIGIL_NODE_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP", name
        assert env["RAY_USAGE_STATS_ENABLED"]["value"] == "0", name
        assert "readinessProbe" in container, name
        assert "livenessProbe" in container, name
        slots = env["VIGIL_CAMERA_SLOTS"]["value"]
        assert slots == ("0" if name == "ray head" else "4"), name


def test_every_pod_runs_as_non_root_without_privilege_escalation() -> None:
    specs = list(_pod_specs())
    assert len(specs) == 6  # api, worker, migrate, ray head, cpu and gpu groups
    for name, spec in specs:
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True, name
        assert pod["runAsUser"] != 0, name
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name


def test_api_probes_hit_the_health_route_and_the_service_reaches_it() -> None:
    deployment = _one("Deployment", "vigil-api")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        http = container[probe]["httpGet"]
        assert http["path"] == HEALTH_PATH, probe
        assert ports[http["port"]] == 8000
    with pytest.raises(SystemExit) as help_exit:
        vigil_main([*container["args"], "--help"])
    assert help_exit.value.code == 0
    env = {e["name"]: e for e in container["env"]}
    assert env["VIGIL_NODE_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"
    service = _one("Service", "vigil-api")["spec"]
    assert service["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    assert service["ports"][0]["targetPort"] == "http"
    hpa = _one("HorizontalPodAutoscaler", "vigil-api")["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "vigil-api"}
    worker = _one("Deployment", "vigil-worker")["spec"]["template"]["spec"]["containers"][0]
    assert worker["args"] == ["worker"]


def test_pods_read_the_configmap_and_the_secret_that_exist() -> None:
    config = _one("ConfigMap", "vigil-settings")
    secret = _one("Secret", "vigil-secrets")
    for name, spec in _pod_specs():
        for container in spec["containers"]:
            refs = container["envFrom"]
            assert {"configMapRef": {"name": "vigil-settings"}} in refs, name
            assert {"secretRef": {"name": "vigil-secrets"}} in refs, name
    assert config["data"]["VIGIL_RAY_ADDRESS"] == "vigil-head-svc:6379"  # KubeRay's `<name>-head-svc`
    assert not unknown_settings(set(config["data"]) | set(secret["stringData"]))
    # PostgreSQL and Redis are not run here: ExternalName services stand for them
    for name in ("vigil-postgres", "vigil-redis"):
        assert _one("Service", name)["spec"]["type"] == "ExternalName"


def test_manifests_name_only_real_settings() -> None:
    for path in MANIFESTS:
        unknown = unknown_settings(set(VIGIL_NAME.findall(path.read_text())))
        assert not unknown, f"{path.name}: {unknown}"


def test_kustomize_renders_the_manifests_when_kubectl_is_installed() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: `kubectl kustomize deploy/kubernetes` not run")
    rendered = subprocess.run(
        [kubectl, "kustomize", str(KUBERNETES)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    docs = [doc for doc in yaml.safe_load_all(rendered) if doc]
    assert all(doc["metadata"].get("namespace") == "vigil" for doc in docs if doc["kind"] != "Namespace")
    images = set(re.findall(r"image: (\S+)", rendered))
    assert images == {"vigil:0.1.0", "vigil-gpu:0.1.0"}, "kustomize's image tags reach the RayCluster too"


# -------------------------------------------------------------------------------------------------- docs
def test_deploy_doc_lists_every_setting() -> None:
    doc = (ROOT / "docs" / "deploy.md").read_text()
    missing = sorted(env for env in SETTINGS_ENV if f"`{env}`" not in doc)
    assert not missing, f"run `.venv/bin/python deploy/settings_table.py --write`; missing: {missing}"


def test_settings_table_names_each_alias() -> None:
    table = _settings_table().table()
    assert "| `VIGIL_REDIS_URL` / `REDIS_URL` |" in table
    assert "| `VIGIL_PORT` / `PORT` |" in table


# ------------------------------------------------------------------------- the image's layout, served
def _copy_like_the_builder(app: Path) -> None:
    """What the builder stage COPYs from the context, placed as in /opt/vigil/app (models/cache linked,
    not copied: the image fetches it; `rm -rf models/cache/downloads` is mirrored)."""
    for args in STAGE["builder"].all("COPY"):
        source_stage, sources = _copy_sources(args)
        assert source_stage is None
        for source in sources:
            origin, target = ROOT / source, app / source
            if origin.is_dir():
                shutil.copytree(origin, target, ignore=shutil.ignore_patterns("cache", "user", "__pycache__"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, target)
    (app / "models" / "cache").mkdir()
    for entry in (ROOT / "models" / "cache").iterdir():
        if entry.name != "downloads":
            (app / "models" / "cache" / entry.name).symlink_to(entry)


@pytest.mark.slow
def test_the_image_layout_serves_the_dashboard_and_passes_its_health_check(tmp_path: Path) -> None:
    """The runtime stage's files and environment, without Docker: the app tree as the builder copies it,
    imported from there (as the image's editable install does), with the image's ENV, in production."""
    dist = ROOT / "frontend" / "dist" / "index.html"
    assert dist.is_file(), "build the dashboard first: `make frontend`"
    assert (ROOT / "models" / "cache").is_dir(), "fetch the models first: `make models`"
    app = tmp_path / "opt" / "vigil" / "app"
    _copy_like_the_builder(app)
    (app / "frontend").mkdir()
    (app / "frontend" / "dist").symlink_to(dist.parent)
    image_env = STAGE["runtime"].env()
    env = {
        key: value
        for key, value in image_env.items()
        if key not in ("PATH", "VIGIL_DATA_DIR", "VIGIL_FRONTEND_DIST")
    }
    env.update(
        PYTHONPATH=str(app / "backend"),
        VIGIL_FRONTEND_DIST=str(app / image_env["VIGIL_FRONTEND_DIST"].removeprefix("/opt/vigil/app/")),
        VIGIL_HOST="127.0.0.1",
    )
    assert env["VIGIL_ENV"] == "production"
    root = subprocess.run(
        [sys.executable, "-c", "from vigil.settings import REPO_ROOT; print(REPO_ROOT)"],
        env=vigil_env(tmp_path / "data", **env),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert root == str(app), "vigil must be imported from the image's tree"
    server = start_vigil(tmp_path / "data", tmp_path / "vigil.log", env=env)
    try:
        port = server.url.rsplit(":", 1)[1]
        check = json.loads(STAGE["runtime"].last("HEALTHCHECK").split("CMD", 1)[1])
        assert check[0] == "python"
        done = subprocess.run(
            [sys.executable, *check[1:]], env={**os.environ, "VIGIL_PORT": port}, timeout=30, check=False
        )
        assert done.returncode == 0, "the image's HEALTHCHECK command fails against a running server"
        page = httpx.get(f"{server.url}/", timeout=10)
        assert page.status_code == 200
        assert page.text == dist.read_text(), "the dashboard is not served from VIGIL_FRONTEND_DIST"
    finally:
        server.stop()
    failed = subprocess.run(
        [sys.executable, *check[1:]], env={**os.environ, "VIGIL_PORT": port}, timeout=30, check=False
    )
    assert failed.returncode != 0, "the HEALTHCHECK command passes with no server"
