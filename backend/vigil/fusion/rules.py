"""The fusion rule language: a YAML rule set, its pydantic schema, and loading with line-precise errors.

A rule set has a `version`, `rules` (one per incident type) and optional per-camera overrides. A rule's
score over its sliding window is

    score = schedule_factor × Σ weight_i × value_i

where each term's value reads one kind of evidence (a selector such as `action.fight`, `audio.scream`,
`face.fear`, `object.person`, `object.count.person`) over the last `window_s` seconds, each piece of
positioned evidence multiplied by its zone factor. `docs/_fragments/fusion.md` describes the language.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from vigil.domain import ACTION_LABELS, ANOMALY_KINDS, EMOTIONS, SOUND_LABELS, Severity
from vigil.perception.coco import COCO_LABELS
from vigil.schedule import check_time_of_day, check_weekdays, in_window, minutes

RULE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_RULES_CHARS = 200_000
MAX_RULE_NODES = 10_000  # the built-in rules have about 420; 10,000 take about 0.5 s
MAX_RULE_DEPTH = 32  # they nest 5 levels deep
MAX_PROBLEMS = 100  # listed with their line; the others are counted
MAX_TEXT_CHARS = 64  # a label and the version are stored as VARCHAR(64): PostgreSQL refuses longer text

Finite = Annotated[float, Field(allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]


class RuleError(ValueError):
    """A rule file that cannot be used; the message names the line and column (1-based) of the problem."""

    def __init__(self, problems: Sequence[tuple[int | None, int | None, str, str]], omitted: int = 0) -> None:
        self.problems = list(problems)  # (line, column, path, message)
        self.omitted = omitted  # problems found but not located and listed (beyond MAX_PROBLEMS)
        line, column, path, message = self.problems[0]
        self.line, self.column, self.path, self.problem = line, column, path, message
        where = f"line {line}, column {column}: " if line is not None else ""
        text = f"{where}{path + ': ' if path else ''}{message}"
        if len(self.problems) + omitted > 1:
            text += f" (and {len(self.problems) + omitted - 1} more)"
        super().__init__(text)

    def __reduce__(self) -> tuple[type[RuleError], tuple[list[tuple[int | None, int | None, str, str]], int]]:
        """Pickled as its problems (drafts are parsed in a process of their own: `api.routes.rules`)."""
        return (RuleError, (self.problems, self.omitted))


class Read(StrEnum):
    """How a term reads its evidence in the window."""

    MAX = "max"  # the strongest piece (× its zone factor)
    MEAN = "mean"  # the mean over the window's video observations of each one's strongest (0 when absent)
    COUNT = "count"  # how many distinct tracks (or sound events) showed it
    PRESENCE = "presence"  # 1 if any piece passed min_conf (× its zone factor)


class Family(StrEnum):
    AUDIO = "audio"
    ACTION = "action"
    FACE = "face"
    OBJECT = "object"
    ANOMALY = "anomaly"  # a measure of activity far from the camera's baseline for the hour (vigil.anomaly)


FAMILY_LABELS: dict[Family, tuple[str, ...]] = {
    Family.AUDIO: SOUND_LABELS,
    Family.ACTION: ACTION_LABELS,
    Family.FACE: EMOTIONS,
    Family.OBJECT: COCO_LABELS,
    Family.ANOMALY: ANOMALY_KINDS,
}


@dataclass(frozen=True, slots=True)
class Selector:
    """A parsed evidence selector: `family.label`, or `object.count.label` (people in one frame)."""

    family: Family
    label: str
    count: bool = False

    @classmethod
    def parse(cls, text: str) -> Selector:
        parts = text.split(".")
        families = ", ".join(f.value for f in Family)
        if len(parts) < 2 or parts[0] not in {f.value for f in Family}:
            raise ValueError(f"evidence must be FAMILY.LABEL with FAMILY one of {families}, got {text!r}")
        family = Family(parts[0])
        count = family is Family.OBJECT and len(parts) == 3 and parts[1] == "count"
        if len(parts) != 2 and not count:
            raise ValueError(f"evidence must be FAMILY.LABEL (or object.count.LABEL), got {text!r}")
        label = parts[-1]
        if family is Family.OBJECT:
            label = label.replace("_", " ")  # COCO's "traffic light" is written object.traffic_light
        if label not in FAMILY_LABELS[family]:
            known = ", ".join(x.replace(" ", "_") for x in FAMILY_LABELS[family][:16])
            more = " ..." if len(FAMILY_LABELS[family]) > 16 else ""
            raise ValueError(f"unknown {family.value} label {parts[-1]!r}; known: {known}{more}")
        return cls(family, label, count)

    def __str__(self) -> str:
        label = self.label.replace(" ", "_")
        return f"{self.family.value}.count.{label}" if self.count else f"{self.family.value}.{label}"


@functools.lru_cache(maxsize=1024)
def _parsed(text: str) -> Selector:
    return Selector.parse(text)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Term(_Strict):
    evidence: str
    weight: Finite
    read: Read = Read.MAX
    min_conf: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    cap: Positive | None = None  # the term's value is at most this (e.g. a count)

    @field_validator("evidence")
    @classmethod
    def _valid_selector(cls, value: str) -> str:
        return str(Selector.parse(value))

    @field_validator("read")
    @classmethod
    def _read_fits_evidence(cls, value: Read, info: ValidationInfo) -> Read:
        evidence = info.data.get("evidence")
        if evidence is None:
            return value
        selector = Selector.parse(evidence)
        if selector.family is Family.AUDIO and value is Read.MEAN:
            raise ValueError(
                "audio evidence is reported once per stretch of sound, so a mean over the window "
                "would fade it; use max, presence or count"
            )
        if selector.family is Family.ANOMALY and value in (Read.MEAN, Read.COUNT):
            raise ValueError(
                "anomaly evidence is one judgement per slot of activity; read it with max or presence"
            )
        if selector.count and value is Read.COUNT:
            raise ValueError("object.count.* is already a count per frame; read it with max or mean")
        return value

    @property
    def selector(self) -> Selector:
        return _parsed(self.evidence)


class ScheduleWindow(_Strict):
    """A time-of-day range in the camera's local time, [start, end); it may wrap past midnight."""

    start: str
    end: str
    factor: NonNegative
    name: str = ""
    days: tuple[str, ...] | None = None  # the days the range starts on; None: every day

    @field_validator("start", "end", mode="before")
    @classmethod
    def _time_of_day(cls, value: object) -> object:
        return check_time_of_day(value, " (unquoted, YAML reads 22:00 as a number)")

    @field_validator("days")
    @classmethod
    def _weekdays(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return check_weekdays(value)

    @property
    def start_min(self) -> int:
        return minutes(self.start)

    @property
    def end_min(self) -> int:
        return minutes(self.end)

    def matches(self, minute_of_day: int, weekday: int) -> bool:
        """`weekday` 0 = Monday. A wrapping range belongs to the day it starts on."""
        return in_window(self.start, self.end, self.days, minute_of_day, weekday)

    @property
    def label(self) -> str:
        return self.name or f"{self.start}–{self.end}"


class Rule(_Strict):
    """One incident type."""

    label: Annotated[str, Field(max_length=MAX_TEXT_CHARS)]
    severity: Severity
    description: str = ""
    terms: Annotated[tuple[Term, ...], Field(min_length=1)]
    window_s: Positive
    threshold: Positive
    close_below: NonNegative | None = (
        None  # hysteresis: an open incident closes below this; None: threshold / 2
    )
    min_duration_s: NonNegative = 0.0
    close_after_s: NonNegative = 0.0
    cooldown_s: NonNegative = 0.0
    max_duration_s: Positive | None = None  # an incident lasting this long closes (None: no limit)
    reopen_after_max: bool = True  # ... and the next occurrence may open at once, without the cooldown
    zone_factors: dict[str, NonNegative] = Field(default_factory=dict)  # zone name or kind → multiplier
    outside_zones: NonNegative = 1.0  # the factor of positioned evidence in none of those zones
    schedule: tuple[ScheduleWindow, ...] = ()
    enabled: bool = True

    @field_validator("close_below")
    @classmethod
    def _below_threshold(cls, value: float | None, info: ValidationInfo) -> float | None:
        threshold = info.data.get("threshold")
        if value is not None and threshold is not None and value > threshold:
            raise ValueError(f"close_below ({value:g}) must not exceed threshold ({threshold:g})")
        return value

    @property
    def close_level(self) -> float:
        return self.close_below if self.close_below is not None else self.threshold / 2.0


class RuleOverride(_Strict):
    """What one camera changes in one rule; unset fields keep the rule's value."""

    enabled: bool | None = None
    threshold: Positive | None = None
    close_below: NonNegative | None = None
    window_s: Positive | None = None
    min_duration_s: NonNegative | None = None
    close_after_s: NonNegative | None = None
    cooldown_s: NonNegative | None = None
    max_duration_s: Positive | None = None
    weights: dict[str, Finite] = Field(default_factory=dict)  # selector → new weight
    zone_factors: dict[str, NonNegative] | None = None
    outside_zones: NonNegative | None = None
    schedule: tuple[ScheduleWindow, ...] | None = None


class RuleCheckError(ValueError):
    """A cross-field problem found after the fields were valid, with the path of the offending node."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        self.loc = path
        super().__init__(message)


class RuleSet(_Strict):
    version: str
    rules: dict[str, Rule]
    cameras: dict[int, dict[str, RuleOverride]] = Field(default_factory=dict)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: object) -> object:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"version is a non-empty quoted string (e.g. '2026.11.1'), got {value!r}")
        if len(value) > MAX_TEXT_CHARS:
            raise ValueError(f"version has at most {MAX_TEXT_CHARS} characters, got {len(value)}")
        return value

    @field_validator("rules")
    @classmethod
    def _rule_names(cls, value: dict[str, Rule]) -> dict[str, Rule]:
        for name in value:
            if not RULE_NAME.match(name):
                raise ValueError(f"rule names are lower_snake_case identifiers, got {name!r}")
        return value

    @model_validator(mode="after")
    def _overrides_fit(self) -> RuleSet:
        for camera_id, overrides in self.cameras.items():
            for name, override in overrides.items():
                if name not in self.rules:
                    raise RuleCheckError(
                        ("cameras", camera_id, name),
                        f"no rule named {name!r} (rules: {', '.join(self.rules)})",
                    )
                rule = self.rules[name]
                selectors = {t.evidence for t in rule.terms}
                for selector in override.weights:
                    if _normalised_selector(selector) not in selectors:
                        raise RuleCheckError(
                            ("cameras", camera_id, name, "weights", selector),
                            f"rule {name!r} has no term {selector!r} (terms: {', '.join(sorted(selectors))})",
                        )
                effective = apply_override(rule, override)
                if effective.close_below is not None and effective.close_below > effective.threshold:
                    raise RuleCheckError(
                        ("cameras", camera_id, name),
                        f"close_below ({effective.close_below:g}) must not exceed threshold "
                        f"({effective.threshold:g})",
                    )
        return self

    def for_camera(self, camera_id: int) -> dict[str, Rule]:
        """The enabled rules of one camera, its overrides applied."""
        overrides = self.cameras.get(camera_id, {})
        out: dict[str, Rule] = {}
        for name, rule in self.rules.items():
            effective = apply_override(rule, overrides[name]) if name in overrides else rule
            if effective.enabled:
                out[name] = effective
        return out

    def has_overrides(self, camera_id: int, rule: str) -> bool:
        return rule in self.cameras.get(camera_id, {})


def _normalised_selector(text: str) -> str:
    try:
        return str(Selector.parse(text))
    except ValueError:
        return text


def apply_override(rule: Rule, override: RuleOverride) -> Rule:
    changes: dict[str, Any] = {
        key: value
        for key, value in override.model_dump(exclude={"weights"}, exclude_none=True).items()
        if key in Rule.model_fields
    }
    if override.weights:
        weights = {_normalised_selector(k): v for k, v in override.weights.items()}
        changes["terms"] = tuple(
            t.model_copy(update={"weight": weights[t.evidence]}) if t.evidence in weights else t
            for t in rule.terms
        )
    if "schedule" in changes:
        changes["schedule"] = override.schedule
    return rule.model_copy(update=changes)


# ---------------------------------------------------------------------------------------------------------
# Loading with line-precise errors
# ---------------------------------------------------------------------------------------------------------


def load_rules(text: str) -> RuleSet:
    """Parse and validate a rule file. Raises `RuleError` naming the line and column of the first problem.

    CPU-bound (up to about a second for the longest file): async callers run it in a thread.
    """
    if len(text) > MAX_RULES_CHARS:
        raise RuleError([(None, None, "", f"a rule file has at most {MAX_RULES_CHARS} characters")])
    if unprintable := yaml.reader.Reader.NON_PRINTABLE.search(text):
        code = ord(unprintable.group())
        refused = f"character U+{code:04X} is not allowed (a control character or half a surrogate)"
        raise RuleError([(*_line_and_column(text, unprintable.start()), "", refused)])
    loader = _RuleLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise RuleError([(1, 1, "", "the rule file is empty")])
        _check_duplicate_keys(root)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        raise RuleError([(line, column, "", f"YAML syntax: {exc.problem or exc.context}")]) from exc
    except (yaml.YAMLError, RecursionError) as exc:  # limits below keep recursion away; kept as a guard
        raise RuleError([(None, None, "", f"YAML syntax: {exc}")]) from exc
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise RuleError([(1, 1, "", "a rule file is a mapping with version, rules and optional cameras")])
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        problems = []
        errors = exc.errors()
        for error in errors[:MAX_PROBLEMS]:  # locating one walks the tree: thousands would take seconds
            loc: tuple[str | int, ...] = tuple(error["loc"])
            message = error["msg"]
            cause = (error.get("ctx") or {}).get("error")
            if isinstance(cause, RuleCheckError):
                loc, message = cause.loc, str(cause)
            elif message.startswith("Value error, "):
                message = message.removeprefix("Value error, ")
            node, path = _node_at(root, loc, key=error["type"] == "extra_forbidden")
            problems.append((node.start_mark.line + 1, node.start_mark.column + 1, path, message))
        problems.sort(key=lambda p: (p[0], p[1]))
        raise RuleError(problems, omitted=max(0, len(errors) - MAX_PROBLEMS)) from exc


class _PyEvents(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    def __init__(self, text: str) -> None:
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


try:
    from yaml._yaml import CParser as _Events  # libyaml's scanner and parser: 3-4× faster than PyYAML's
except ImportError:  # PyYAML built without libyaml
    _Events = _PyEvents  # type: ignore[assignment,misc]


class _RuleLoader(yaml.composer.Composer, _Events, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """PyYAML's safe loading (libyaml's events, PyYAML's composer) building a plain tree of bounded size.

    Anchors and aliases are refused: a node reused through aliases is walked once per use, so 22 nested
    aliases in 483 bytes expand to millions of nodes. Depth and node count are capped so that a file
    within `MAX_RULES_CHARS` always loads quickly, and any value the constructor cannot build (a date
    that does not exist, an integer of 5000 digits) is reported at its node instead of escaping.
    """

    def __init__(self, text: str) -> None:
        _Events.__init__(self, text)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()
        assert event is not None  # the composer asks for a node only when an event is there
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _refused(
                "anchors (&name) and aliases (*name) are not allowed in rule files; write the value out",
                event,
            )
        self._nodes += 1
        if self._nodes > MAX_RULE_NODES:
            raise _refused(f"a rule file has at most {MAX_RULE_NODES} values", event)
        if self._depth >= MAX_RULE_DEPTH:
            raise _refused(f"values nest at most {MAX_RULE_DEPTH} levels deep", event)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.MarkedYAMLError:
            raise
        except Exception as exc:
            raise yaml.constructor.ConstructorError(
                problem=f"cannot read this {node.tag.rsplit(':', 1)[-1]} value ({exc})",
                problem_mark=node.start_mark,
            ) from exc


def _refused(problem: str, event: yaml.Event) -> yaml.MarkedYAMLError:
    return yaml.MarkedYAMLError(problem=problem, problem_mark=event.start_mark)  # type: ignore[arg-type]


def _line_and_column(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def load_default_rules() -> RuleSet:
    return load_rules(default_rules_text())


def default_rules_text() -> str:
    return resources.files("vigil.fusion").joinpath("default_rules.yaml").read_text(encoding="utf-8")


def _check_duplicate_keys(node: yaml.Node) -> None:
    for child in _children(node):
        _check_duplicate_keys(child)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, yaml.Node] = {}
        for key, _ in node.value:
            name = str(key.value)
            if name in seen:
                first = seen[name].start_mark.line + 1
                raise yaml.MarkedYAMLError(
                    problem=f"duplicate key {name!r} (first on line {first})", problem_mark=key.start_mark
                )
            seen[name] = key


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, yaml.SequenceNode):
        yield from node.value


def _node_at(root: yaml.Node, loc: Sequence[str | int], key: bool) -> tuple[yaml.Node, str]:
    """The deepest YAML node along a pydantic error location, and the location as a dotted path.

    Location parts that are not in the document (a missing field, pydantic's own `[key]`) stop the walk:
    the error is then shown at the nearest node that exists (the mapping that lacks the field).
    """
    if loc and loc[-1] == "[key]":
        loc, key = loc[:-1], True
    node = root
    parts: list[str] = []
    found = True
    for index, part in enumerate(loc):
        parts.append(
            f"[{part}]" if isinstance(part, int) and isinstance(node, yaml.SequenceNode) else f".{part}"
        )
        if not found:
            continue
        if isinstance(node, yaml.MappingNode) and (match := _mapping_entry(node, part)) is not None:
            key_node, value_node = match
            node = key_node if key and index == len(loc) - 1 else value_node
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            found = False
    return node, "".join(parts).removeprefix(".")


def _mapping_entry(node: yaml.MappingNode, part: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    for key_node, value_node in node.value:
        if str(key_node.value) == str(part):
            return key_node, value_node
    return None


def confidence_of(score: float, threshold: float) -> float:
    """The fused score mapped to 0..1: 1 − 2^(−score/threshold).

    Zero evidence is 0, the threshold is exactly 0.5, twice the threshold 0.75, three times 0.875: every
    rule's confidence means the same whatever the scale of its weights, it never reaches 1, and it keeps
    rising with more evidence instead of clipping. A logistic would need a second parameter (its slope)
    and would give a score of 0 a confidence above 0.
    """
    if score <= 0.0:
        return 0.0
    return 1.0 - math.pow(2.0, -score / threshold)
