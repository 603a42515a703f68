"""Idempotent commands: a command sent with a key acts once, and a re-send gets the reply.

A host whose response was lost sends the command again with the same idempotency key
(``bus.handle(command, idempotency_key=...)``, ``App.handle``). The bus keeps a
:class:`CommandRecord` per key, an aggregate stored like any other:

* the record is claimed (``started``) in the handler's first commit, in the same
  transaction as the command's first changes, so a key is taken exactly when the command
  has acted; two requests racing with one key cannot both commit their claim;
* once the handler returns, the record keeps its reply (``done``): the result, written
  with a converter (:mod:`merx.kernel.serde`'s) as the command's ``Command[R]`` declares
  it, or the :class:`~merx.errors.MerxError` it raised after it had committed something;
* a re-send with the same key and the same command (same :func:`fingerprint`) returns the
  stored reply, runs nothing, changes nothing and publishes nothing; another command
  under the key is :class:`IdempotencyKeyReused`; a key whose command has not finished
  (still running, or cut short between its commit and its reply) is
  :class:`IdempotencyKeyInFlight`;
* a key is kept for a time (a day by default); an older record is ignored and its key
  may be used again, and :class:`merx.kernel.command_records.PurgeCommandRecords`
  deletes it.

A field holding a personal value in clear (marked with :func:`merx.kernel.vault.personal`:
a phone number, an ID card number, a card number, a top-up account) enters the fingerprint
as the vault's keyed digest of it (:meth:`~merx.kernel.vault.Vault.digest`), never as
itself: a SHA-256 of a command with a phone number in it could be matched by hashing the
10^8 candidate numbers; without the vault's key nothing can be matched.

A command refused before it committed anything stores nothing: sending it again runs it
again, which answers the same way unless the world changed.
"""

from __future__ import annotations

import enum
import hashlib
import importlib
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol, cast, get_args, get_origin

import attrs

from merx.kernel.aggregate import Aggregate
from merx.kernel.errors import (
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    MerxError,
    ValidationError,
)
from merx.kernel.money import Money
from merx.kernel.vault import PERSONAL, PersonalKind, hmac_digest

#: A keyed digest of a personal value (the vault's :meth:`~merx.kernel.vault.Vault.digest`).
Digest = Callable[[PersonalKind, str], str]

_PROCESS_KEY = secrets.token_bytes(32)


def process_digest(kind: PersonalKind, value: str) -> str:
    """The fallback :data:`Digest` of a :class:`Replies` given none: keyed with a secret of
    this process (fingerprints of personal commands then do not survive a restart; the
    composition root gives the vault's digest)."""
    return hmac_digest(_PROCESS_KEY, kind, value)


#: How long a key is kept, unless the bus is told otherwise.
KEPT_FOR = timedelta(days=1)


class RecordState(enum.Enum):
    STARTED = "started"
    DONE = "done"


@attrs.define(kw_only=True)
class CommandRecord(Aggregate):
    """What the bus keeps for one idempotency key (see the module docstring)."""

    id: str
    command: str
    fingerprint: str
    at: datetime
    state: RecordState = RecordState.STARTED
    result: Any = None
    error: str | None = None
    message: str | None = None

    def expired(self, now: datetime, kept_for: timedelta) -> bool:
        return self.at + kept_for <= now


def command_name(command: object) -> str:
    kind = type(command)
    return f"{kind.__module__}.{kind.__qualname__}"


def fingerprint(command: object, digest: Digest = process_digest) -> str:
    """A digest of the command's type and field values, the same in every process (sets
    are sorted, mappings by key; no hash of a string takes part), personal fields entering
    as their keyed ``digest``."""
    text = repr(_canonical(command, digest))
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(value: object, digest: Digest) -> object:
    if attrs.has(type(value)):
        fields = attrs.fields(cast(Any, type(value)))
        return (
            command_name(value),
            tuple((f.name, _field(f, getattr(value, f.name), digest)) for f in fields),
        )
    if isinstance(value, enum.Enum):
        return (command_name(value), _canonical(value.value, digest))
    if isinstance(value, Money):
        return ("Money", str(value.amount), value.currency)
    if isinstance(value, datetime | date | Decimal | timedelta):
        return (type(value).__name__, str(value))
    if isinstance(value, dict):
        items = [(_canonical(k, digest), _canonical(v, digest)) for k, v in value.items()]
        return ("dict", tuple(sorted(items, key=repr)))
    if isinstance(value, set | frozenset):
        return ("set", tuple(sorted((_canonical(v, digest) for v in value), key=repr)))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_canonical(v, digest) for v in value))
    if value is None or isinstance(value, bool | int | float | str | bytes):
        return value
    return (type(value).__name__, repr(value))


def _field(field: Any, value: object, digest: Digest) -> object:
    kind = field.metadata.get(PERSONAL)
    if kind is not None and isinstance(value, str):
        return ("personal", digest(kind, value))
    return _canonical(value, digest)


def result_type(command: object) -> Any:
    """``R`` of the command's ``Command[R]`` (``None`` when it declares none)."""
    from merx.kernel.bus import Command  # the bus imports this module

    for klass in type(command).__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            if get_origin(base) is Command:
                (declared,) = get_args(base)
                return None if declared is type(None) else declared
    return None


class Codec(Protocol):
    """Writes a result as plain data and reads it back as a type (a cattrs converter:
    the composition root gives :func:`merx.kernel.serde.make_converter`'s)."""

    def unstructure(self, obj: Any, unstructure_as: Any = None) -> Any: ...

    def structure(self, obj: Any, cl: Any) -> Any: ...


class Replies:
    """Reads and writes the :class:`CommandRecord` of a key (used by the bus)."""

    def __init__(
        self, codec: Codec, kept_for: timedelta = KEPT_FOR, digest: Digest = process_digest
    ) -> None:
        """``digest``: the keyed digest of personal fields in fingerprints (the vault's)."""
        if kept_for <= timedelta(0):
            raise ValidationError(f"idempotency keys are kept a positive time, not {kept_for}")
        self.kept_for = kept_for
        self._converter = codec
        self._digest = digest

    def claim(self, repo: Any, key: str, command: object, now: datetime) -> CommandRecord | None:
        """The earlier record's reply if ``key`` was used for this command (``None``: it is
        new, or expired); stages the claim in ``repo``'s unit of work otherwise."""
        if not isinstance(key, str) or not key or len(key) > 255:
            raise ValidationError(f"an idempotency key is 1 to 255 characters, not {key!r}")
        print_ = fingerprint(command, self._digest)
        earlier: CommandRecord | None = repo.find(key)
        if earlier is not None and not earlier.expired(now, self.kept_for):
            if earlier.fingerprint != print_:
                raise IdempotencyKeyReused(
                    f"idempotency key {key!r} was used for {earlier.command}, "
                    f"not this {command_name(command)}"
                )
            if earlier.state is RecordState.STARTED:
                raise IdempotencyKeyInFlight(
                    f"the {earlier.command} sent with idempotency key {key!r} has not finished"
                )
            return earlier
        _start(repo, earlier, key, command, print_, now)
        return None

    def finish(self, repo: Any, key: str, command: object, now: datetime, reply: object) -> None:
        """Keep ``reply`` (a result, or the error raised after a commit) under ``key``."""
        record: CommandRecord | None = repo.find(key)
        if record is None or record.expired(now, self.kept_for):  # not claimed, or expired
            record = _start(repo, record, key, command, fingerprint(command, self._digest), now)
        else:
            repo.save(record)
        record.state = RecordState.DONE
        if isinstance(reply, MerxError):
            record.error = f"{type(reply).__module__}:{type(reply).__qualname__}"
            record.message = str(reply)
        else:
            record.result = self._converter.unstructure(reply, unstructure_as=result_type(command))

    def reply(self, record: CommandRecord, command: object) -> Any:
        """The stored reply: the result, or the stored error raised again."""
        if record.error is not None:
            raise _error(record.error, record.message or "")
        declared = result_type(command)
        if declared is None:
            return None
        try:
            return self._converter.structure(record.result, declared)
        except Exception as error:  # any failure of the codec to read it
            raise ValidationError(
                f"the reply kept for idempotency key {record.id!r} cannot be read: {error}"
            ) from error


def _start(  # noqa: PLR0917 - the record's repository, then its fields
    repo: Any,
    earlier: CommandRecord | None,
    key: str,
    command: object,
    print_: str,
    now: datetime,
) -> CommandRecord:
    """A record of ``key`` for ``command``, staged in ``repo``: added, or saved over the
    stored version of an ``earlier`` record that expired (its key starts again)."""
    record = CommandRecord(id=key, command=command_name(command), fingerprint=print_, at=now)
    if earlier is None:
        repo.add(record)
    else:
        record.version = earlier.version
        repo.save(record)
    return record


def _error(name: str, message: str) -> MerxError:
    module, _, qualname = name.partition(":")
    try:
        kind: Any = importlib.import_module(module)
        for part in qualname.split("."):
            kind = getattr(kind, part)
    except (ImportError, AttributeError):
        kind = MerxError
    if not (isinstance(kind, type) and issubclass(kind, MerxError)):
        kind = MerxError
    error: MerxError = kind.__new__(kind)
    Exception.__init__(error, message)
    return error
