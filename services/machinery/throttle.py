"""Throttling of guesses: every attempt counts, and repeated failures lock with back-off.

An attempt is counted *before* it is checked, inside a transaction that holds the counter's
row, so concurrent requests (and each alias or mutation of one request) cannot slip extra
guesses past the limit. A success clears the counter.

Logins are counted three ways before any password is hashed:

- per client address, a windowed reservation: ADDRESS_FREE_FAILURES attempts that were not
  given back by a success within ADDRESS_WINDOW lock the address, whatever emails are typed;
- per (email, address) pair, the escalating lock of FREE_ATTEMPTS failures, so that a
  stranger's guesses do not lock an operator out from the operator's own address;
- per email, for every address, only once failures against it came from at least
  EMAIL_WIDE_ADDRESSES distinct addresses within EMAIL_WIDE_WINDOW (a distributed guess);
  an address from which the right password came for that email within KNOWN_ADDRESS_PERIOD
  (the owner's own) is not held by that lock, only by its pair's.

Successful logins are budgeted too (``LoginRates``): per client address and per account,
a minute's logins past the budget are refused (RATE_LIMITED) before anything is hashed, so
that a client who knows a password of its own account cannot keep the hasher busy with it.

Consecutive-failure counters start over after QUIET_PERIOD without a failure.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from models import Throttle
from services.errors import DomainError, ErrorCode, too_many_attempts

FREE_ATTEMPTS = 5
"""Consecutive failures allowed before the first lock."""
FIRST_LOCK = timedelta(seconds=30)
"""Length of the first lock; each further failure doubles it."""
LONGEST_LOCK = timedelta(minutes=15)
"""The cap on a lock's length."""
QUIET_PERIOD = timedelta(hours=3)
"""A consecutive-failure counter starts over after this long without a failure.

It must not pay to wait for it. A fresh counter allows ten guesses within 15.5 minutes
(five free, then locks of 30 s, 1, 2, 4 and 8 minutes); at the capped 15-minute lock ten
guesses take 150 minutes. Three hours of silence to earn those ten back is slower than
sitting out the locks, so decay gives no guess that the locks would not.
"""

ADDRESS_FREE_FAILURES = 20
"""Failed logins from one client address before it is locked (any emails)."""
ADDRESS_WINDOW = timedelta(minutes=15)
"""A client address's failure count starts over after this long without a failure."""

EMAIL_WIDE_ADDRESSES = 5
"""Distinct client addresses failing against one email that lock it for every address."""
EMAIL_WIDE_WINDOW = timedelta(minutes=15)
"""How recent those addresses' failures must be."""

KNOWN_ADDRESS_PERIOD = timedelta(days=30)
"""How long after a successful login its address stays known for the email."""

UNKNOWN_ADDRESS = "unknown"
"""The client address counted for a request whose address the server was not told."""

BUDGET_WINDOW = timedelta(minutes=1)
"""The window of the login budgets."""


@dataclass(frozen=True)
class LoginRates:
    """Successful logins allowed per minute, before hashing is refused (RATE_LIMITED)."""

    per_address: int = 60
    """From one client address (any accounts)."""
    per_account: int = 120
    """Into one account (any addresses): one tenant cannot take the hasher for itself."""


def lock_duration(failures: int, free: int = FREE_ATTEMPTS) -> timedelta | None:
    """Return how long ``failures`` consecutive failures lock for (None: not locked).

    With the default ``free`` of 5, the fifth failure locks for 30 s, the sixth for 60 s,
    and so on, capped at 15 minutes.
    """
    if failures < free:
        return None
    doublings = min(failures - free, 10)
    return min(FIRST_LOCK * (1 << doublings), LONGEST_LOCK)


def email_digest(email_key: str) -> str:
    """Return the SHA-256 of a login email as typed (known or not), in hex.

    Anyone can type anything there, and the throttle keys must be storable.
    """
    return hashlib.sha256(email_key.encode("utf-8", "surrogatepass")).hexdigest()


def password_key(email_key: str, address: str) -> str:
    """Throttle key for password guesses against one login email from one client address."""
    address_digest = hashlib.sha256(address.encode("utf-8", "surrogatepass")).hexdigest()
    return f"password:{email_digest(email_key)}:{address_digest}"


def email_wide_key(email_key: str) -> str:
    """Throttle key of the lock on one login email for every client address."""
    return f"email:{email_digest(email_key)}"


def address_key(address: str) -> str:
    """Throttle key for failed logins from one client address."""
    return f"address:{address}"


def code_key(operator_id: int) -> str:
    """Throttle key for TOTP and recovery code guesses against one operator."""
    return f"code:{operator_id}"


def address_budget_key(address: str) -> str:
    """Throttle key of the successful logins from one client address."""
    return f"logins:address:{address}"


def account_budget_key(account_id: int | None) -> str:
    """Throttle key of the successful logins into one account.

    An email nobody has belongs to no account: its key names none, is never spent, and is
    read all the same, so that the login costs the same statements either way.
    """
    return f"logins:account:{account_id if account_id is not None else 'none'}"


def _active_lock(row: Throttle, now: datetime) -> datetime | None:
    """Return the end of the row's lock while it runs, else None."""
    if row.locked_until is not None and row.locked_until > now:
        return row.locked_until
    return None


def _count_failure(row: Throttle, now: datetime, free: int) -> None:
    """Count one consecutive failure on a held row and set the lock it earns (or none).

    The count starts over when the previous failure is older than QUIET_PERIOD.
    """
    if row.last_failure_at is not None and row.last_failure_at <= now - QUIET_PERIOD:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    duration = lock_duration(row.failures, free=free)
    row.locked_until = now + duration if duration is not None else None


async def _create_missing(*rows: Throttle) -> None:
    """Insert the counters whose keys have no row yet.

    Idempotent, so it runs before the transaction that holds the rows, as a statement of
    its own: the transaction stays short, and an unreachable database fails here, as the
    outage it is.
    """
    await Throttle.bulk_create(list(rows), ignore_conflicts=True)


async def _held(key: str, scope: str | None = None) -> Throttle:
    """Return the row of ``key``, locked until the transaction ends.

    The retention sweeper deletes idle rows, possibly between ``_create_missing`` and this
    lock; such a row is inserted again here, inside the transaction, where no sweeper sees
    it before it is held. A swept row held nothing worth keeping: it starts over as new.
    """
    row = await Throttle.filter(key=key).select_for_update().get_or_none()
    if row is None:
        await Throttle.bulk_create([Throttle(key=key, scope=scope)], ignore_conflicts=True)
        row = await Throttle.filter(key=key).select_for_update().get()
    return row


async def begin_attempt(key: str, now: datetime) -> datetime | None:
    """Count one attempt against ``key`` as failed until ``succeeded`` says otherwise.

    Raises TOO_MANY_ATTEMPTS, without counting, while the key is locked. The attempt that
    reaches the limit sets the lock at once, so attempts running beside it are refused;
    it returns that lock's end (None when this attempt, should it fail, locks nothing).
    The count starts over after QUIET_PERIOD without an attempt.
    """
    await _create_missing(Throttle(key=key))
    async with in_transaction():
        row = await _held(key)
        locked_until = _active_lock(row, now)
        if locked_until is None:
            _count_failure(row, now, FREE_ATTEMPTS)
            await row.save(update_fields=["failures", "last_failure_at", "locked_until"])
    if locked_until is not None:
        raise too_many_attempts(locked_until)
    return row.locked_until


async def ensure_not_locked(key: str, now: datetime) -> None:
    """Raise TOO_MANY_ATTEMPTS while ``key`` is locked; count nothing."""
    row = await Throttle.get_or_none(key=key)
    locked_until = _active_lock(row, now) if row is not None else None
    if locked_until is not None:
        raise too_many_attempts(locked_until)


async def succeeded(key: str) -> None:
    """Forget the failures counted against ``key``: the attempt was right.

    The row is kept (reset, not deleted) so that concurrent attempts always find it.
    """
    await Throttle.filter(key=key).update(failures=0, locked_until=None)


@dataclass(frozen=True)
class LoginAttempt:
    """The counts one login took before its password was checked, to settle afterwards."""

    by_address: str
    """Throttle key of the client address."""
    address_lock: datetime | None
    """The lock this attempt's reservation set on the address, if any."""
    by_pair: str
    """Throttle key of the (email, address) pair."""
    pair_lock: datetime | None
    """The lock on the (email, address) pair should this attempt fail."""
    by_email: str
    """Throttle key of the email for every address."""
    email_lock: datetime | None
    """The lock this attempt set on the email for every address, if any."""
    known: bool
    """The right password came from this address for this email within KNOWN_ADDRESS_PERIOD."""
    budgets: tuple[tuple[str, int], ...]
    """The login budgets a success spends: (key, logins per minute)."""

    @property
    def lock_if_failed(self) -> datetime | None:
        """The latest lock this attempt sets should it fail (None: it locks nothing)."""
        locks = [lock for lock in (self.pair_lock, self.email_lock) if lock is not None]
        return max(locks, default=None)


async def begin_login(
    email_key: str,
    client_address: str | None,
    now: datetime,
    *,
    account_id: int | None,
    rates: LoginRates,
) -> LoginAttempt:
    """Count one login attempt against its address, its (email, address) pair and its email.

    Must run before the password is hashed; raises TOO_MANY_ATTEMPTS (with the lock's end)
    without counting anything when the address, the pair or the email is locked, and
    RATE_LIMITED when the address's or the account's (``account_id``, None for an email
    nobody has) logins of this minute are spent. The attempt counts as failed until
    ``login_succeeded`` gives it back.
    """
    address = client_address or UNKNOWN_ADDRESS
    budgets = (
        (address_budget_key(address), rates.per_address),
        (account_budget_key(account_id), rates.per_account),
    )
    by_address = address_key(address)
    by_pair, by_email = password_key(email_key, address), email_wide_key(email_key)
    await _refuse_while_locked([key for key, _ in budgets], by_address, by_pair, by_email, now)
    address_lock = await _reserve_address(by_address, now)
    try:
        pair_lock, email_lock, known = await _begin_password_attempt(
            by_pair, by_email, email_digest(email_key), now
        )
    except DomainError:
        await _give_back_address(by_address, address_lock)  # refused unhashed: not a guess
        raise
    return LoginAttempt(
        by_address,
        address_lock,
        by_pair,
        pair_lock,
        by_email,
        email_lock,
        known,
        budgets if account_id is not None else budgets[:1],
    )


async def _refuse_while_locked(
    budgets: list[str], by_address: str, by_pair: str, by_email: str, now: datetime
) -> None:
    """Refuse an attempt that a running lock or a spent budget refuses, in one plain read.

    An attack mostly hits its own locks: its attempts are then answered by this one
    statement, without writing a row or waiting for a row another attempt holds (on
    PostgreSQL, a flood from one locked address would otherwise queue on its address's row
    and hold the connections of the pool meanwhile). The counting that follows holds the
    rows and decides again. Raises RATE_LIMITED for a spent budget and TOO_MANY_ATTEMPTS
    for a lock; the email-wide lock does not hold a known address (``KNOWN_ADDRESS_PERIOD``).
    """
    rows = {
        row.key: row
        for row in await Throttle.filter(key__in=[*budgets, by_address, by_pair, by_email])
    }
    spent = [lock for key in budgets if (row := rows.get(key)) and (lock := _active_lock(row, now))]
    if spent:
        raise DomainError(
            ErrorCode.RATE_LIMITED,
            "Too many logins from your network or into your account in the last minute. "
            "Try again shortly.",
            locked_until=max(spent),
        )
    pair = rows.get(by_pair)
    known = (
        pair is not None
        and pair.last_success_at is not None
        and pair.last_success_at > now - KNOWN_ADDRESS_PERIOD
    )
    holding = (by_address, by_pair) if known else (by_address, by_pair, by_email)
    locks = [lock for key in holding if (row := rows.get(key)) and (lock := _active_lock(row, now))]
    if locks:
        raise too_many_attempts(max(locks))


async def _spend_budget(key: str, per_minute: int, now: datetime) -> None:
    """Count one successful login against a budget; the one that spends it sets its lock."""
    await reserve_budget(key, per_minute, 1, now)


async def reserve_budget(
    key: str, per_minute: int, wanted: int, now: datetime
) -> tuple[int, datetime]:
    """Take up to ``wanted`` uses of a per-minute budget shared by every process.

    Returns how many were granted (0 once the minute is spent) and when the budget's
    current minute ends. The use that spends the budget sets its lock, until then.
    """
    await _create_missing(Throttle(key=key))
    async with in_transaction():
        row = await _held(key)
        if row.last_failure_at is None or row.last_failure_at <= now - BUDGET_WINDOW:
            row.failures, row.last_failure_at = 0, now
        granted = max(0, min(wanted, per_minute - row.failures))
        row.failures += granted
        if row.failures >= per_minute:
            row.locked_until = row.last_failure_at + BUDGET_WINDOW
        await row.save(update_fields=["failures", "last_failure_at", "locked_until"])
    return granted, row.last_failure_at + BUDGET_WINDOW


async def is_known_address(email_key: str, client_address: str | None, now: datetime) -> bool:
    """Tell whether the right password came for the email from this address recently."""
    address = client_address or UNKNOWN_ADDRESS
    return await Throttle.exists(
        key=password_key(email_key, address), last_success_at__gt=now - KNOWN_ADDRESS_PERIOD
    )


async def _reserve_address(key: str, now: datetime) -> datetime | None:
    """Reserve one attempt on a client address; return the lock the reservation set.

    The reservation that reaches ADDRESS_FREE_FAILURES locks the address at once, so the
    attempts beside it are refused before they hash anything. The count starts over when
    the last failure is older than ADDRESS_WINDOW; a reservation stamps the time only when
    it opens a window (failures stamp it in ``login_failed``), so successes never keep a
    window open.
    """
    await _create_missing(Throttle(key=key))
    async with in_transaction():
        row = await _held(key)
        locked_until = _active_lock(row, now)
        lock: datetime | None = None
        if locked_until is None:
            if row.last_failure_at is None or row.last_failure_at <= now - ADDRESS_WINDOW:
                row.failures = 0
                row.last_failure_at = now
            row.failures += 1
            duration = lock_duration(row.failures, free=ADDRESS_FREE_FAILURES)
            if duration is not None:
                lock = row.locked_until = now + duration
            await row.save(update_fields=["failures", "last_failure_at", "locked_until"])
    if locked_until is not None:
        raise too_many_attempts(locked_until)
    return lock


async def _give_back_address(key: str, lock: datetime | None) -> None:
    """Return one reservation to a client address, and lift the lock it set, if still on.

    Only this attempt's own reservation: the other failures stay counted.
    """
    async with in_transaction():
        row = await Throttle.filter(key=key).select_for_update().get_or_none()
        if row is None:  # swept meanwhile: nothing left to give back
            return
        row.failures = max(row.failures - 1, 0)
        if lock is not None and row.locked_until == lock:
            row.locked_until = None
        await row.save(update_fields=["failures", "locked_until"])


async def _begin_password_attempt(
    by_pair: str, by_email: str, scope: str, now: datetime
) -> tuple[datetime | None, datetime | None, bool]:
    """Count an attempt on the (email, address) pair, and on the email when many addresses fail.

    Holds the email's row, then the pair's (every login of one email takes them in this
    order). Returns the pair's lock should this attempt fail, the email-wide lock this
    attempt set, and whether the address is known for the email (then the email-wide lock
    does not hold it).
    """
    await _create_missing(Throttle(key=by_email), Throttle(key=by_pair, scope=scope))
    async with in_transaction():
        email_row = await _held(by_email)
        pair_row = await _held(by_pair, scope)
        known = (
            pair_row.last_success_at is not None
            and pair_row.last_success_at > now - KNOWN_ADDRESS_PERIOD
        )
        email_locked = _active_lock(email_row, now)
        holding = (pair_row,) if known else (email_row, pair_row)
        locks = [lock for row in holding if (lock := _active_lock(row, now))]
        email_lock: datetime | None = None
        if not locks:
            _count_failure(pair_row, now, FREE_ATTEMPTS)
            await pair_row.save(update_fields=["failures", "last_failure_at", "locked_until"])
        # A known address passing an email-wide lock leaves it as it is: its success must
        # not lift the lock that holds everyone else.
        if not locks and email_locked is None:
            addresses = await Throttle.filter(
                scope=scope, failures__gt=0, last_failure_at__gt=now - EMAIL_WIDE_WINDOW
            ).count()
            if addresses >= EMAIL_WIDE_ADDRESSES:
                _count_failure(email_row, now, free=1)
                email_lock = email_row.locked_until
                await email_row.save(update_fields=["failures", "last_failure_at", "locked_until"])
    if locks:
        raise too_many_attempts(max(locks))
    return pair_row.locked_until, email_lock, known


async def login_failed(attempt: LoginAttempt, now: datetime) -> None:
    """Settle a failed login: its reservations stay counted; the address's window restarts."""
    await Throttle.filter(key=attempt.by_address, last_failure_at__lt=now).update(
        last_failure_at=now
    )


async def login_succeeded(attempt: LoginAttempt, now: datetime) -> None:
    """Settle a login whose password was right.

    The address gets this attempt's reservation back (not the other failures: mixing in
    logins to one's own account must not reset the count), the (email, address) pair is
    cleared and its address becomes known for the email, an email-wide lock that this
    attempt set is lifted, and the login budgets are spent by one.
    """
    await _give_back_address(attempt.by_address, attempt.address_lock)
    await Throttle.filter(key=attempt.by_pair).update(
        failures=0, locked_until=None, last_success_at=now
    )
    for key, per_minute in attempt.budgets:
        await _spend_budget(key, per_minute, now)
    if attempt.email_lock is not None:
        async with in_transaction():
            row = await Throttle.filter(key=attempt.by_email).select_for_update().get_or_none()
            if row is not None and row.locked_until == attempt.email_lock:
                row.failures = max(row.failures - 1, 0)
                row.locked_until = None
                await row.save(update_fields=["failures", "locked_until"])


async def attempt_abandoned(key: str, lock: datetime | None) -> None:
    """Give back the count of an attempt refused before it was checked (too busy to hash).

    ``lock`` is what ``begin_attempt`` returned: the lock this attempt set, lifted again.
    Earlier failures stay counted.
    """
    async with in_transaction():
        row = await Throttle.filter(key=key).select_for_update().get_or_none()
        if row is None:
            return  # swept meanwhile: nothing is counted any more
        row.failures = max(row.failures - 1, 0)
        if lock is not None and row.locked_until == lock:
            row.locked_until = None
        await row.save(update_fields=["failures", "locked_until"])


async def login_abandoned(attempt: LoginAttempt) -> None:
    """Give back every count of a login refused before its password was checked.

    Used when the server was too busy to hash: that was no guess, so the address, the pair
    and the email each get this attempt's count back, and any lock it set is lifted.
    Earlier failures stay counted, unlike ``login_succeeded``.
    """
    await _give_back_address(attempt.by_address, attempt.address_lock)
    await attempt_abandoned(attempt.by_pair, attempt.pair_lock)
    if attempt.email_lock is not None:  # otherwise the email-wide count was not touched
        await attempt_abandoned(attempt.by_email, attempt.email_lock)
