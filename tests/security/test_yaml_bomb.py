"""Rule drafts as an attacker sent them: a 483-byte alias bomb, 500 open brackets, control characters.

Each is refused at its line by every route that parses rules (check, save, replay), before anything is
expanded (the bomb at its first anchor), and the rules that run stay as they were. Parsing runs off the
event loop: while the longest legal draft is parsed, `/health` keeps answering.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import Actor, World, make_settings, world_over_http
from tests.security.latency import assert_health_prompt_while
from tests.servers.live_server import LiveServer, live_server
from vigil.fusion.rules import MAX_RULE_NODES

# Each level is a list of two aliases of the level below: 2^22 leaves once walked or built.
ALIAS_BOMB = (
    "\n".join(["a0: &a0 [x, x]"] + [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 23)]) + "\n"
)
BRACKETS = "[" * 500


def test_the_bomb_is_the_one_that_was_sent() -> None:
    assert len(ALIAS_BOMB.encode()) == 483


def escaped(body: object, actor: Actor) -> dict[str, Any]:
    """JSON with every non-ASCII character escaped, as a client may send it (lone surrogates included)."""
    headers = {**actor.headers, "Content-Type": "application/json"}
    return {"content": json.dumps(body, ensure_ascii=True), "headers": headers}


async def refused_everywhere(world: World, text: str) -> list[dict[str, object]]:
    """`text` sent to check (a viewer), save (an admin) and replay (a shared operator); the problems."""
    before = world.app.state.runtime.incidents.engine.rules.version
    check = await world.client.post("/api/v1/rules/check", **escaped({"text": text}, world["viewer"]))
    assert check.status_code == 200, check.text
    assert check.json()["valid"] is False
    save = await world.client.put("/api/v1/rules", **escaped({"text": text}, world["admin"]))
    replay = await world.client.post(
        f"/api/v1/incidents/{world.incident_id}/replay", **escaped({"text": text}, world["operator"])
    )
    for answer in (save, replay):
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"]["code"] == "RULES_INVALID"
        assert answer.json()["detail"]["problems"] == check.json()["problems"]
    assert world.app.state.runtime.incidents.engine.rules.version == before
    problems: list[dict[str, object]] = check.json()["problems"]
    return problems


async def test_an_alias_bomb_is_refused_at_its_first_anchor(world: World) -> None:
    problems = await refused_everywhere(world, ALIAS_BOMB)
    assert (problems[0]["line"], problems[0]["column"]) == (1, 5)
    assert "aliases (*name) are not allowed" in str(problems[0]["message"])


async def test_a_single_alias_or_merge_from_an_anchor_is_refused_too(world: World) -> None:
    text = "version: '1'\nrules: {}\nbase: &base {a: 1}\nother:\n  <<: *base\n"
    problems = await refused_everywhere(world, text)
    assert problems[0]["line"] == 3


async def test_five_hundred_brackets_are_refused_at_the_depth_limit(world: World) -> None:
    problems = await refused_everywhere(world, BRACKETS)
    assert (problems[0]["line"], problems[0]["column"]) == (1, 33)
    assert "nest at most 32 levels" in str(problems[0]["message"])


@pytest.mark.parametrize(
    ("character", "line", "column"),
    [("\x01", 3, 12), ("\x7f", 3, 12), ("\x1b", 3, 12)],
    ids=["control", "delete", "escape"],
)
async def test_a_character_yaml_refuses_is_named_with_its_line(
    world: World, character: str, line: int, column: int
) -> None:
    text = f"version: '1'\nrules: {{}}\ncomment: 'a{character}b'\n"
    problems = await refused_everywhere(world, text)
    assert (problems[0]["line"], problems[0]["column"]) == (line, column)
    assert f"U+{ord(character):04X} is not allowed" in str(problems[0]["message"])


async def test_a_value_the_parser_cannot_build_is_named_with_its_line(world: World) -> None:
    text = "version: '1'\nrules: {}\nwhen: 2024-13-45\nbig: " + "9" * 5000 + "\n"
    problems = await refused_everywhere(world, text)
    assert (problems[0]["line"], problems[0]["column"]) == (3, 7)
    assert "month must be in 1..12" in str(problems[0]["message"])


async def test_thousands_of_problems_list_the_first_hundred_and_count_the_rest(world: World) -> None:
    text = "".join(f"k{i}: {i}\n" for i in range(3000))
    answer = await world.client.put("/api/v1/rules", json={"text": text}, headers=world["admin"].headers)
    detail = answer.json()["detail"]
    assert len(detail["problems"]) == 100
    assert detail["message"].endswith("(and 3001 more)")  # version, rules, then 3000 unknown keys


@pytest.fixture
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveServer]:
    async with live_server(make_settings(tmp_path_factory.mktemp("loop"))) as server:
        yield server


async def test_health_answers_while_the_longest_legal_draft_is_parsed(server: LiveServer) -> None:
    """A draft at the value cap takes tenths of a second of CPU to parse: in a thread, not on the loop."""
    heavy = "".join(f"k{i}: {i}\n" for i in range(MAX_RULE_NODES // 2 - 1))
    async with world_over_http(server.app, server.url) as world:
        viewer = world["viewer"].headers
        answer = await assert_health_prompt_while(
            world.client,
            lambda: world.client.post("/api/v1/rules/check", json={"text": heavy}, headers=viewer),
        )
    assert answer.status_code == 200
    assert answer.json()["valid"] is False
