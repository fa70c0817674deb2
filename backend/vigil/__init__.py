"""Vigil: multi-modal surveillance and incident detection."""

import os

# Nothing leaves the machine unless a user configured it. These off-switches are read when each runtime
# is imported, so they are set here, before any of our modules can import one, and spawned pool workers
# inherit them (docs/architecture.md, "Nothing phones home"). `setdefault`: an operator's own value wins.
_PRIVATE_RUNTIMES = {
    "ORT_DISABLE_TELEMETRY": "1",  # onnxruntime ≥ 1.2x: DNS for mobile.events.data.microsoft.com otherwise
    "HF_HUB_OFFLINE": "1",  # huggingface_hub (pulled in by faster-whisper and friends), if ever installed
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "RAY_USAGE_STATS_ENABLED": "0",  # Ray, in cluster mode
    "DO_NOT_TRACK": "1",  # the cross-tool convention some libraries honour
}
for _name, _value in _PRIVATE_RUNTIMES.items():
    os.environ.setdefault(_name, _value)

__version__ = "0.1.0"
