"""The declarative state machine: transitions as data, illegal moves refused and traceless."""

from __future__ import annotations

from enum import Enum

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.kernel.aggregate import Aggregate
from merx.kernel.errors import IllegalTransition, MerxError, ValidationError
from merx.kernel.events import DomainEvent
from merx.kernel.state import StateMachine


class Door(Enum):
    OPEN = "open"
    CLOSED = "closed"
    LOCKED = "locked"
    BROKEN = "broken"


DOOR = StateMachine(
    "door",
    [
        (Door.OPEN, "close", Door.CLOSED),
        (Door.CLOSED, "open", Door.OPEN),
        (Door.CLOSED, "lock", Door.LOCKED),
        (Door.LOCKED, "unlock", Door.CLOSED),
        ((Door.OPEN, Door.CLOSED, Door.LOCKED), "smash", Door.BROKEN),
        ([Door.BROKEN], "repair", Door.CLOSED),
    ],
)

#: The same table written out by hand: the reference the machine is checked against.
REFERENCE: dict[tuple[Door, str], Door] = {
    (Door.OPEN, "close"): Door.CLOSED,
    (Door.CLOSED, "open"): Door.OPEN,
    (Door.CLOSED, "lock"): Door.LOCKED,
    (Door.LOCKED, "unlock"): Door.CLOSED,
    (Door.OPEN, "smash"): Door.BROKEN,
    (Door.CLOSED, "smash"): Door.BROKEN,
    (Door.LOCKED, "smash"): Door.BROKEN,
    (Door.BROKEN, "repair"): Door.CLOSED,
}

COMMANDS = sorted({command for _, command in REFERENCE} | {"fly", ""})


@attrs.frozen
class DoorMoved(DomainEvent):
    door_id: str
    command: str


@attrs.define(kw_only=True)
class DoorAggregate(Aggregate):
    id: str
    status: Door = Door.CLOSED

    def apply(self, command: str) -> None:
        DOOR.move(self, command, DoorMoved(self.id, command))


def status_of(door: DoorAggregate) -> Door:
    """The current status, read afresh (keeps mypy from narrowing across moves)."""
    return door.status


# -- examples ----------------------------------------------------------------------------


def test_legal_move_sets_status_and_records_exactly_one_event() -> None:
    door = DoorAggregate(id="d1")
    door.apply("lock")
    assert status_of(door) is Door.LOCKED
    assert door.pending_events == [DoorMoved("d1", "lock")]
    door.apply("smash")
    assert status_of(door) is Door.BROKEN
    assert door.pending_events == [DoorMoved("d1", "lock"), DoorMoved("d1", "smash")]


def test_illegal_move_names_machine_state_and_command_and_changes_nothing() -> None:
    door = DoorAggregate(id="d1", status=Door.OPEN)
    door.record(DoorMoved("d1", "earlier"))
    with pytest.raises(IllegalTransition) as raised:
        door.apply("lock")
    error = raised.value
    assert (error.machine, error.state, error.command) == ("door", "open", "lock")
    assert "door" in str(error)
    assert "'open'" in str(error)
    assert "'lock'" in str(error)
    assert isinstance(error, MerxError)
    assert door.status is Door.OPEN
    assert door.pending_events == [DoorMoved("d1", "earlier")]


def test_unknown_command_is_an_illegal_transition() -> None:
    door = DoorAggregate(id="d1")
    with pytest.raises(IllegalTransition, match="fly"):
        door.apply("fly")
    assert door.status is Door.CLOSED
    assert door.pending_events == []


def test_state_of_another_enum_is_refused() -> None:
    class Other(Enum):
        CLOSED = "closed"

    with pytest.raises(IllegalTransition):
        DOOR.target(Other.CLOSED, "open")  # type: ignore[arg-type]


def test_target_and_allows_follow_the_table() -> None:
    for state in Door:
        for command in COMMANDS:
            expected = REFERENCE.get((state, command))
            assert DOOR.allows(state, command) == (expected is not None)
            if expected is None:
                with pytest.raises(IllegalTransition):
                    DOOR.target(state, command)
            else:
                assert DOOR.target(state, command) is expected


def test_transitions_expand_multi_source_rows() -> None:
    assert dict(DOOR.transitions) == REFERENCE


def test_commands_lists_the_allowed_ones_sorted() -> None:
    assert DOOR.commands(Door.CLOSED) == ["lock", "open", "smash"]
    assert DOOR.commands(Door.OPEN) == ["close", "smash"]
    assert DOOR.commands(Door.LOCKED) == ["smash", "unlock"]
    assert DOOR.commands(Door.BROKEN) == ["repair"]
    for state in Door:
        assert DOOR.commands(state) == sorted(c for (s, c) in REFERENCE if s is state)


def test_duplicate_key_with_two_targets_is_rejected_at_definition() -> None:
    with pytest.raises(ValidationError, match=r"'close'.*'open'.*two targets"):
        StateMachine(
            "door",
            [
                (Door.OPEN, "close", Door.CLOSED),
                ((Door.LOCKED, Door.OPEN), "close", Door.LOCKED),
            ],
        )


def test_duplicate_key_with_the_same_target_is_accepted_once() -> None:
    machine = StateMachine(
        "door",
        [(Door.OPEN, "close", Door.CLOSED), ((Door.OPEN, Door.LOCKED), "close", Door.CLOSED)],
    )
    assert dict(machine.transitions) == {
        (Door.OPEN, "close"): Door.CLOSED,
        (Door.LOCKED, "close"): Door.CLOSED,
    }
    assert machine.to_mermaid().count("open --> closed: close") == 1


def test_to_mermaid_lists_every_edge() -> None:
    lines = DOOR.to_mermaid().splitlines()
    assert lines[0] == "stateDiagram-v2"
    edges = lines[1:]
    assert len(edges) == len(REFERENCE)
    assert set(edges) == {
        f"    {source.value} --> {target.value}: {command}"
        for (source, command), target in REFERENCE.items()
    }


def test_enum_with_non_string_values_names_the_state() -> None:
    class Level(Enum):
        LOW = 1
        HIGH = 2

    machine = StateMachine("level", [(Level.LOW, "raise", Level.HIGH)])
    with pytest.raises(IllegalTransition) as raised:
        machine.target(Level.HIGH, "raise")
    assert raised.value.state == "2"
    assert machine.to_mermaid().splitlines()[1] == "    1 --> 2: raise"


# -- property: the machine only ever follows the table ------------------------------------


@given(st.sampled_from(list(Door)), st.lists(st.sampled_from(COMMANDS), max_size=30))
def test_status_only_ever_follows_the_table(start: Door, commands: list[str]) -> None:
    door = DoorAggregate(id="d", status=start)
    expected_status = start
    expected_events: list[DomainEvent] = []
    for command in commands:
        target = REFERENCE.get((expected_status, command))
        if target is None:
            with pytest.raises(IllegalTransition) as raised:
                door.apply(command)
            assert raised.value.state == expected_status.value
            assert raised.value.command == command
        else:
            door.apply(command)
            expected_status = target
            expected_events.append(DoorMoved("d", command))
        assert door.status is expected_status
        assert door.pending_events == expected_events
