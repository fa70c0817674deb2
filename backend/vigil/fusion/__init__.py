"""Fusion: weighted evidence per incident type over sliding windows → incidents with explanations.

`rules` is the YAML rule language (`load_rules`, `RuleError`), `engine` the deterministic engine
(`FusionEngine.feed`), `model` what it hands on (`IncidentUpdate`, `IncidentExplanation`).
"""

from vigil.fusion.engine import FusionEngine
from vigil.fusion.model import EvidenceRef, IncidentExplanation, IncidentUpdate, TermContribution
from vigil.fusion.rules import (
    Read,
    Rule,
    RuleError,
    RuleOverride,
    RuleSet,
    ScheduleWindow,
    Selector,
    Term,
    confidence_of,
    default_rules_text,
    load_default_rules,
    load_rules,
)

__all__ = [
    "EvidenceRef",
    "FusionEngine",
    "IncidentExplanation",
    "IncidentUpdate",
    "Read",
    "Rule",
    "RuleError",
    "RuleOverride",
    "RuleSet",
    "ScheduleWindow",
    "Selector",
    "Term",
    "TermContribution",
    "confidence_of",
    "default_rules_text",
    "load_default_rules",
    "load_rules",
]
