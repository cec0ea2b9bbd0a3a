"""Tables of the fault engine (issue 6): everything QA switches on lives here, so that every worker process
of `serve --workers N` sees the same rules, service states, consumption counters, blocks and clock.

- fault_kv: small JSON values by name: 'generation' (changes on every admin write, so workers know their cached
  snapshot is stale), 'clock' (offset / frozen instant of the server-mode clock), 'latency', 'consumption'.
- fault_rules: forced outcomes / latency / dropped answers matched on operation, issuer, model, series, key
  suffix, UF; with a remaining count and an expiry.
- service_states: 107/108/109 and asynchronous processing per UF and service.
- lot_polls: receipts that still answer 105 for N more polls.
- usage_counters / usage_blocks: "Consumo indevido" (NT 2018.002, cStat 656) counters, suspensions and blocks.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import asdict, dataclass, fields
from typing import Any

from fake_sefaz.store.base import Tx

DDL = [
    """CREATE TABLE IF NOT EXISTS fault_kv (
        name TEXT PRIMARY KEY, value TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS fault_rules (
        id TEXT PRIMARY KEY, position BIGINT NOT NULL,
        operation TEXT NOT NULL, issuer TEXT NOT NULL, mod INTEGER, serie INTEGER, key_suffix TEXT NOT NULL,
        cUF INTEGER, cstat INTEGER, latency_ms INTEGER, drop_mode TEXT NOT NULL,
        remaining INTEGER, expires_ts DOUBLE PRECISION, description TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS service_states (
        cUF INTEGER NOT NULL, service TEXT NOT NULL, cstat INTEGER NOT NULL,
        async_delay_s DOUBLE PRECISION, async_polls INTEGER, xObs TEXT NOT NULL,
        PRIMARY KEY (cUF, service)
    )""",
    """CREATE TABLE IF NOT EXISTS lot_polls (
        nRec TEXT PRIMARY KEY, remaining INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS usage_counters (
        service TEXT NOT NULL, subject TEXT NOT NULL, issuer TEXT NOT NULL, last_cstat INTEGER NOT NULL,
        window_start DOUBLE PRECISION NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (service, subject)
    )""",
    """CREATE TABLE IF NOT EXISTS usage_blocks (
        issuer TEXT NOT NULL, service TEXT NOT NULL, since_ts DOUBLE PRECISION NOT NULL,
        until_ts DOUBLE PRECISION, level TEXT NOT NULL, reason TEXT NOT NULL,
        PRIMARY KEY (issuer, service, since_ts)
    )""",
]

SUSPENSION = "suspension"  # lifts by itself at until_ts
BLOCK = "block"  # until an admin release (Portaria 403/2009 art. 23-A §4)


# --- generation and key/value -------------------------------------------------------------------------------

def kv_get(tx: Tx, name: str, default: Any = None) -> Any:
    rows = tx.execute("SELECT value FROM fault_kv WHERE name = ?", (name,))
    return json.loads(rows[0][0]) if rows else default


def kv_put(tx: Tx, name: str, value: Any) -> None:
    tx.execute("INSERT INTO fault_kv (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
               (name, json.dumps(value)))


def kv_delete(tx: Tx, name: str) -> None:
    tx.execute("DELETE FROM fault_kv WHERE name = ?", (name,))


def generation(tx: Tx) -> str:
    return kv_get(tx, "generation", "")


def bump(tx: Tx) -> None:
    """Mark every worker's cached snapshot stale: called by every admin write."""
    kv_put(tx, "generation", uuid.uuid4().hex)


# --- rules --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FaultRule:
    id: str
    position: int
    operation: str = ""  # service name, operation or payload root ('' = any), case-insensitive
    issuer: str = ""  # CNPJ/CPF of the issuer ('' = any)
    mod: int | None = None
    serie: int | None = None
    key_suffix: str = ""
    cUF: int | None = None
    cstat: int | None = None  # the forced outcome
    latency_ms: int | None = None
    drop_mode: str = ""  # '', 'close' (cut the connection) or 'timeout' (hold the answer past the client timeout)
    remaining: int | None = None  # None = unlimited
    expires_ts: float | None = None
    description: str = ""

    def as_json(self) -> dict:
        return asdict(self)


RULE_COLUMNS = [f.name for f in fields(FaultRule)]


def insert_rule(tx: Tx, rule: FaultRule) -> None:
    marks = ", ".join("?" for _ in RULE_COLUMNS)
    tx.execute(f"INSERT INTO fault_rules ({', '.join(RULE_COLUMNS)}) VALUES ({marks})",
               tuple(getattr(rule, c) for c in RULE_COLUMNS))
    bump(tx)


def list_rules(tx: Tx) -> list[FaultRule]:
    rows = tx.execute(f"SELECT {', '.join(RULE_COLUMNS)} FROM fault_rules ORDER BY position")
    return [FaultRule(*r) for r in rows]


def delete_rule(tx: Tx, rule_id: str | None = None) -> int:
    if rule_id is None:
        n = len(tx.execute("SELECT id FROM fault_rules"))
        tx.execute("DELETE FROM fault_rules")
    else:
        n = len(tx.execute("SELECT id FROM fault_rules WHERE id = ?", (rule_id,)))
        tx.execute("DELETE FROM fault_rules WHERE id = ?", (rule_id,))
    bump(tx)
    return n


def consume_rule(tx: Tx, rule_id: str) -> bool:
    """Take one use of a rule. False when it was used up by another request (or worker) meanwhile."""
    rows = tx.execute("SELECT remaining FROM fault_rules WHERE id = ?", (rule_id,))
    if not rows:
        return False
    remaining = rows[0][0]
    if remaining is None:
        return True
    if remaining <= 0:
        return False
    if remaining == 1:
        tx.execute("DELETE FROM fault_rules WHERE id = ?", (rule_id,))
    else:
        tx.execute("UPDATE fault_rules SET remaining = remaining - 1 WHERE id = ?", (rule_id,))
    bump(tx)
    return True


# --- service states ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ServiceState:
    cUF: int
    service: str  # service name (NFeAutorizacao4) or '*' for every service of the UF
    cstat: int  # 107 operating, 108 paused (short term), 109 paused without forecast
    async_delay_s: float | None = None  # asynchronous lots answer 105 for this long
    async_polls: int | None = None  # ... or for this many polls of the receipt
    xObs: str = ""

    def as_json(self) -> dict:
        return asdict(self)


def put_state(tx: Tx, st: ServiceState) -> None:
    tx.execute("DELETE FROM service_states WHERE cUF = ? AND service = ?", (st.cUF, st.service))
    tx.execute("INSERT INTO service_states (cUF, service, cstat, async_delay_s, async_polls, xObs) VALUES (?, ?, ?, ?, ?, ?)",
               (st.cUF, st.service, st.cstat, st.async_delay_s, st.async_polls, st.xObs))
    bump(tx)


def list_states(tx: Tx) -> list[ServiceState]:
    rows = tx.execute("SELECT cUF, service, cstat, async_delay_s, async_polls, xObs FROM service_states ORDER BY cUF, service")
    return [ServiceState(*r) for r in rows]


def delete_state(tx: Tx, cUF: int, service: str) -> None:
    tx.execute("DELETE FROM service_states WHERE cUF = ? AND service = ?", (cUF, service))
    bump(tx)


def clear_states(tx: Tx) -> None:
    tx.execute("DELETE FROM service_states")
    bump(tx)


# --- receipts held at 105 for N polls -----------------------------------------------------------------------

def hold_lot(tx: Tx, nRec: str, polls: int) -> None:
    tx.execute("INSERT INTO lot_polls (nRec, remaining) VALUES (?, ?)", (nRec, polls))


def take_poll(tx: Tx, nRec: str) -> bool:
    """True when this poll of the receipt must still answer 105 (and one poll is used)."""
    rows = tx.execute("SELECT remaining FROM lot_polls WHERE nRec = ?", (nRec,))
    if not rows or rows[0][0] <= 0:
        return False
    tx.execute("UPDATE lot_polls SET remaining = remaining - 1 WHERE nRec = ?", (nRec,))
    return True


# --- consumption counters and blocks (NT 2018.002, 656) ------------------------------------------------------

@dataclass(frozen=True)
class Block:
    issuer: str
    service: str
    since_ts: float
    until_ts: float | None
    level: str
    reason: str

    def as_json(self) -> dict:
        return asdict(self)


def count_use(tx: Tx, service: str, subject: str, issuer: str, cstat: int, now: float, window_s: float,
              same_cstat: bool) -> int:
    """Count one use of a subject (a key, a receipt) in a fixed window; returns the count including this one.

    same_cstat: count only consecutive answers with the same cStat (the NT counts the same NF-e rejected
    again for the same reason); another cStat starts the count again."""
    rows = tx.execute("SELECT last_cstat, window_start, count FROM usage_counters WHERE service = ? AND subject = ?",
                      (service, subject))
    if rows:
        last, start, count = rows[0]
        if now - start >= window_s or (same_cstat and last != cstat):
            start, count = now, 0
        tx.execute("UPDATE usage_counters SET last_cstat = ?, window_start = ?, count = ? WHERE service = ? AND subject = ?",
                   (cstat, start, count + 1, service, subject))
        return count + 1
    tx.execute("INSERT INTO usage_counters (service, subject, issuer, last_cstat, window_start, count) VALUES (?, ?, ?, ?, ?, ?)",
               (service, subject, issuer, cstat, now, 1))
    return 1


def peek_count(tx: Tx, service: str, subject: str, now: float, window_s: float) -> tuple[int, int]:
    """(count, last cStat) of a subject in its current window, without counting."""
    rows = tx.execute("SELECT last_cstat, window_start, count FROM usage_counters WHERE service = ? AND subject = ?",
                      (service, subject))
    if not rows or now - rows[0][1] >= window_s:
        return 0, 0
    return int(rows[0][2]), int(rows[0][0])


def active_block(tx: Tx, issuer: str, service: str, now: float) -> Block | None:
    rows = tx.execute(
        "SELECT issuer, service, since_ts, until_ts, level, reason FROM usage_blocks "
        "WHERE issuer = ? AND service = ? AND (until_ts IS NULL OR until_ts > ?) ORDER BY since_ts DESC",
        (issuer, service, now))
    return Block(*rows[0]) if rows else None


def punish(tx: Tx, issuer: str, service: str, now: float, suspension_s: float, block_after: int,
           ladder_window_s: float, reason: str) -> Block:
    """One more excess: a suspension that lifts by itself, or, after `block_after` suspensions within the
    ladder window, a block that only an admin release lifts (Portaria 403/2009 art. 23-A §§3-4)."""
    earlier = tx.execute("SELECT COUNT(*) FROM usage_blocks WHERE issuer = ? AND service = ? AND since_ts > ?",
                         (issuer, service, now - ladder_window_s))[0][0]
    if block_after > 0 and int(earlier) + 1 >= block_after:
        block = Block(issuer, service, now, None, BLOCK, reason)
    else:
        block = Block(issuer, service, now, now + suspension_s, SUSPENSION, reason)
    tx.execute("INSERT INTO usage_blocks (issuer, service, since_ts, until_ts, level, reason) VALUES (?, ?, ?, ?, ?, ?)",
               (block.issuer, block.service, block.since_ts, block.until_ts, block.level, block.reason))
    # The subject's counters start again after a suspension, so the next excess needs a new run of uses.
    tx.execute("DELETE FROM usage_counters WHERE issuer = ? AND service = ?", (issuer, service))
    return block


def list_blocks(tx: Tx) -> list[Block]:
    rows = tx.execute("SELECT issuer, service, since_ts, until_ts, level, reason FROM usage_blocks ORDER BY since_ts")
    return [Block(*r) for r in rows]


def release(tx: Tx, issuer: str | None = None, service: str | None = None) -> int:
    """Admin release: forget blocks, suspensions and counters of an issuer (all issuers when None)."""
    where, params = [], []
    if issuer:
        where.append("issuer = ?")
        params.append(issuer)
    if service:
        where.append("service = ?")
        params.append(service)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    n = len(tx.execute("SELECT issuer FROM usage_blocks" + clause, params))
    tx.execute("DELETE FROM usage_blocks" + clause, params)
    tx.execute("DELETE FROM usage_counters" + clause, params)
    return n


def clear_faults(tx: Tx) -> None:
    """Every fault off (rules, service states, latency, 656 override, blocks, counters, held receipts, the SVC
    activation windows of the contingency flips); the documents (EPECs included) and the clock are kept."""
    for table in ("fault_rules", "service_states", "lot_polls", "usage_counters", "usage_blocks", "svc_activations"):
        tx.execute(f"DELETE FROM {table}")
    for name in ("latency", "consumption"):
        kv_delete(tx, name)
    bump(tx)


# --- every table, for reset / export / import ---------------------------------------------------------------

_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+)", re.I)


def all_tables() -> list[str]:
    """Every table of the store, core and features alike (read from the DDL, so later features are included)."""
    from fake_sefaz.store.base import all_ddl

    return [m.group(1) for stmt in all_ddl() for m in [_TABLE.search(stmt)] if m]


def columns(tx: Tx, table: str) -> list[str]:
    conn = getattr(tx, "conn", None)
    if conn is not None and type(conn).__module__ == "sqlite3":
        return [r[1] for r in tx.execute(f"PRAGMA table_info({table})")]
    rows = tx.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                      "AND table_schema = current_schema() ORDER BY ordinal_position", (table.lower(),))
    return [r[0] for r in rows]


def export_tables(tx: Tx) -> dict[str, dict[str, list]]:
    out: dict[str, dict[str, list]] = {}
    for table in all_tables():
        cols = columns(tx, table)
        rows = tx.execute(f"SELECT {', '.join(cols)} FROM {table}")
        out[table] = {"columns": cols, "rows": [list(r) for r in rows]}
    return out


def wipe(tx: Tx, mark: bool = True) -> None:
    for table in all_tables():
        tx.execute(f"DELETE FROM {table}")
    if mark:
        bump(tx)


def import_tables(tx: Tx, data: dict[str, dict[str, list]], replace: bool = True) -> dict[str, int]:
    known = set(all_tables())
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown tables: {', '.join(sorted(unknown))}")
    if replace:
        wipe(tx, mark=False)
    counts = {}
    for table, content in data.items():
        cols = list(content.get("columns") or [])
        actual = {c.lower() for c in columns(tx, table)}
        bad = [c for c in cols if c.lower() not in actual]
        if bad:
            raise ValueError(f"{table}: unknown columns {bad}")
        marks = ", ".join("?" for _ in cols)
        for row in content.get("rows") or []:
            tx.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", tuple(row))
        counts[table] = len(content.get("rows") or [])
    bump(tx)
    return counts
