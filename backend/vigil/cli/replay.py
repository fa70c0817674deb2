"""`vigil replay FILE`: prints what the offline chain (`camera/offline.py` `replay`) gives a recording."""

from __future__ import annotations

from pathlib import Path

from vigil.camera.offline import ReplayedIncident


def print_incidents(path: Path, incidents: list[ReplayedIncident]) -> None:
    print(f"{path}: {len(incidents)} incident(s)")
    for incident in incidents:
        print(
            f"  {incident.start_s:7.2f}-{incident.end_s:7.2f} s  {incident.label:<18} "
            f"{incident.confidence:.2f}  {incident.severity}"
        )
        print(f"      {incident.summary}")
