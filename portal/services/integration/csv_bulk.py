"""A CSV import batch written: set-based on PostgreSQL (COPY into a staging table, then one
statement per table), row by row through the API's upserts elsewhere (SQLite).

The rules are those of ``portal.services.integration.portfolio`` (which the portable path,
SQLite's, runs row by row); here each is one SQL expression over the whole batch:

* the batch's valid rows go into a TEMP table (``COPY ... FROM STDIN``: no per-row INSERT,
  no ORM objects), emptied at the start of every batch and at every commit;
* people: new documents inserted (``ON CONFLICT DO NOTHING``); the company's relationships
  created, or corrected where a non-blank cell differs (a blank cell keeps the value);
* items: each row classified against the existing item by the same checks in the same order
  (another debtor's reference, a confirmed bureau removal, unchanged, locked, updated), then
  one INSERT of the new items and one ``UPDATE ... FROM`` of the corrected ones.

The batch is written in the caller's transaction and never committed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import sqlalchemy as sa

from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.domain.csv_rows import InvalidRow, ParsedRow, ValidRow
from portal.domain.errors import Message
from portal.domain.records import DebtorRecord
from portal.domain.search import fold
from portal.models.base import utcnow
from portal.services.integration.portfolio import (
    ITEM_ERRORS,
    Outcome,
    upsert_debtors,
    upsert_items,
)

STAGING_COLUMNS = (
    "line",
    "document",
    "document_type",
    "name",
    "search_name",
    "email",
    "phone",
    "birth_date",
    "reference",
    "description",
    "amount_cents",
    "due_date",
    "bureau_reported",
)
_CREATE_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS import_staging (
    line integer NOT NULL,
    document varchar(14) NOT NULL,
    document_type varchar(4) NOT NULL,
    name varchar(200) NOT NULL,
    search_name varchar(200) NOT NULL,
    email varchar(254),
    phone varchar(16),
    birth_date date,
    reference varchar(64) NOT NULL,
    description varchar(200) NOT NULL,
    amount_cents bigint NOT NULL,
    due_date date NOT NULL,
    bureau_reported boolean
) ON COMMIT DELETE ROWS
"""
_NEW_DEBTORS = sa.text(
    """
INSERT INTO debtors (document, document_type, session_version, created_at, updated_at)
SELECT DISTINCT document, document_type, 0, :now, :now FROM import_staging ORDER BY document
ON CONFLICT (document) DO NOTHING
"""
)
# One relationship per document: the rows of a document agree on every non-blank cell
# (``portal.domain.csv_rows`` refuses a row that differs), so max() picks that value.
_RELATIONSHIPS = sa.text(
    """
WITH src AS (
    SELECT d.id AS debtor_id, s.document, max(s.name) AS name, max(s.search_name) AS search_name,
           max(s.email) AS email, max(s.phone) AS phone, max(s.birth_date) AS birth_date
    FROM import_staging s JOIN debtors d ON d.document = s.document
    GROUP BY d.id, s.document
), updated AS (
    UPDATE creditor_debtors c
    SET name = src.name, search_name = src.search_name, email = coalesce(src.email, c.email),
        phone = coalesce(src.phone, c.phone), birth_date = coalesce(src.birth_date, c.birth_date),
        updated_at = :now
    FROM src
    WHERE c.creditor_id = :creditor AND c.debtor_id = src.debtor_id
      AND (src.name <> c.name
           OR (src.email IS NOT NULL AND src.email IS DISTINCT FROM c.email)
           OR (src.phone IS NOT NULL AND src.phone IS DISTINCT FROM c.phone)
           OR (src.birth_date IS NOT NULL AND src.birth_date IS DISTINCT FROM c.birth_date))
    RETURNING src.document
), created AS (
    INSERT INTO creditor_debtors
        (creditor_id, debtor_id, name, search_name, email, phone, birth_date, created_at,
         updated_at)
    SELECT :creditor, src.debtor_id, src.name, src.search_name, src.email, src.phone,
           src.birth_date, :now, :now
    FROM src
    WHERE NOT EXISTS (
        SELECT 1 FROM creditor_debtors c
        WHERE c.creditor_id = :creditor AND c.debtor_id = src.debtor_id
    )
    ORDER BY src.debtor_id
    RETURNING 1
)
SELECT (SELECT count(*) FROM created), (SELECT count(*) FROM src),
       (SELECT coalesce(array_agg(document), '{}') FROM updated)
"""
)
# ``upsert_items``'s checks, in its order; the debtor is known to the company by now. The
# INSERT and the UPDATE run to completion though the final SELECT does not read them
# (PostgreSQL runs every data-modifying WITH once); a row not returned created its item.
_ITEMS = sa.text(
    """
WITH src AS (
    SELECT s.line, s.reference, s.description, s.amount_cents, s.due_date,
           s.bureau_reported AS flag, d.id AS debtor_id, p.id AS item_id,
           CASE
             WHEN p.id IS NULL THEN 'created'
             WHEN p.debtor_id <> d.id THEN 'reference_of_another_debtor'
             WHEN s.bureau_reported IS NOT NULL AND s.bureau_reported <> p.bureau_reported
                  AND NOT s.bureau_reported AND p.bureau_removed_on IS NOT NULL
               THEN 'bureau_removal_confirmed'
             WHEN p.description = s.description AND p.original_amount_cents = s.amount_cents
                  AND p.original_due_date = s.due_date
                  AND (s.bureau_reported IS NULL OR s.bureau_reported = p.bureau_reported)
               THEN 'unchanged'
             WHEN NOT (p.description = s.description AND p.original_amount_cents = s.amount_cents
                       AND p.original_due_date = s.due_date)
                  AND p.status <> 'open'
               THEN 'item_locked'
             ELSE 'updated'
           END AS outcome
    FROM import_staging s
    JOIN debtors d ON d.document = s.document
    LEFT JOIN pending_items p ON p.creditor_id = :creditor AND p.external_reference = s.reference
), created AS (
    INSERT INTO pending_items
        (creditor_id, debtor_id, external_reference, description, original_amount_cents,
         original_due_date, status, credited_cents, bureau_reported, created_at, updated_at)
    SELECT :creditor, debtor_id, reference, description, amount_cents, due_date, 'open', 0,
           coalesce(flag, false), :now, :now
    FROM src WHERE outcome = 'created' ORDER BY line
    RETURNING 1
), updated AS (
    UPDATE pending_items p
    SET description = src.description, original_amount_cents = src.amount_cents,
        original_due_date = src.due_date, bureau_reported = coalesce(src.flag, p.bureau_reported),
        updated_at = :now
    FROM src WHERE p.id = src.item_id AND src.outcome = 'updated'
    RETURNING 1
)
SELECT line, outcome FROM src WHERE outcome <> 'created'
"""
)


_WRITTEN = ("debtors", "creditor_debtors", "pending_items")


def _refresh_statistics(session: DbSession) -> None:
    """ANALYZE the tables a session's batches write at its 1st, 2nd, 4th, 8th… batch.

    An import can grow them from nothing to a million rows, faster than autovacuum looks:
    with statistics of the empty table the planner joins a batch to *all* the company's
    rows (a hash join per batch, quadratic over the file) instead of probing the unique
    indexes. Doubling keeps them within a factor of two for a few ANALYZEs a file.
    """
    done = session.info.get("portal.bulk_batches", 0) + 1
    session.info["portal.bulk_batches"] = done
    if done & (done - 1) == 0:
        session.execute(sa.text(f"ANALYZE {', '.join(_WRITTEN)}"))


@dataclass
class BulkBatch:
    """What one batch wrote: relationship and item counts, and the outcome of the rows that
    did not create an item (``line → outcome or error code``)."""

    debtors_created: int = 0
    debtors_received: int = 0
    debtors_updated: set[str] = field(default_factory=set)
    item_outcomes: dict[int, str] = field(default_factory=dict)


def supported(session: DbSession) -> bool:
    """The bulk path needs PostgreSQL (COPY); other databases take the portable one."""
    return session.get_bind().dialect.name == "postgresql"


def _copy_rows(session: DbSession, rows: Sequence[ValidRow]) -> None:
    driver = session.connection().connection.driver_connection
    assert driver is not None  # noqa: S101 - a live connection of the session
    columns = ", ".join(STAGING_COLUMNS)
    with driver.cursor() as cursor:
        cursor.execute(_CREATE_STAGING)
        cursor.execute("TRUNCATE import_staging")
        with cursor.copy(f"COPY import_staging ({columns}) FROM STDIN") as copy:
            for row in rows:
                debtor, item = row.debtor, row.item
                copy.write_row(
                    (
                        row.line,
                        debtor.document,
                        debtor.document_type.value,
                        debtor.name,
                        fold(debtor.name),
                        debtor.email,
                        debtor.phone,
                        debtor.birth_date,
                        item.external_reference,
                        item.description,
                        item.amount_cents,
                        item.due_date,
                        item.bureau_reported,
                    )
                )
        cursor.execute("ANALYZE import_staging")  # a TEMP table has no statistics: plans need them


def write_batch(
    session: DbSession, creditor_id: int, rows: Sequence[ValidRow], *, now: datetime
) -> BulkBatch:
    """Stage ``rows`` and upsert people, relationships and items; flush-free, commit-free."""
    session.flush()  # anything the ORM holds goes first: the statements below read the tables
    _copy_rows(session, rows)
    _refresh_statistics(session)
    # A batch joins 5,000 rows to tables of up to millions: probing their unique indexes
    # beats reading them whole (a hash join per batch, quadratic over the file), which the
    # default random_page_cost (4, for spinning disks) hides. For this transaction only.
    session.execute(sa.text("SET LOCAL random_page_cost = 1.1"))
    params = {"creditor": creditor_id, "now": now}
    session.execute(_NEW_DEBTORS, params)
    created, received, updated = session.execute(_RELATIONSHIPS, params).one()
    outcomes = {int(line): str(code) for line, code in session.execute(_ITEMS, params)}
    return BulkBatch(int(created), int(received), set(updated), outcomes)


_Outcomes = tuple[set[str], list[tuple[Outcome, Message | None]]]


def write_rows(
    session: DbSession, creditor_id: int, valid: Sequence[ValidRow], *, actor: Actor
) -> _Outcomes:
    """Write a batch's valid rows: (documents whose relationship changed, outcome per row)."""
    if supported(session):
        return _bulk_batch(session, creditor_id, valid, actor=actor)
    return _portable_batch(session, creditor_id, valid, actor=actor)


def _portable_batch(
    session: DbSession, creditor_id: int, valid: Sequence[ValidRow], *, actor: Actor
) -> _Outcomes:
    """Row by row through the API's upserts: (changed documents, outcome per row)."""
    debtors = upsert_debtors(session, creditor_id, _merged_debtors(valid), actor=actor)
    outcomes = upsert_items(
        session, creditor_id, [(row.debtor.document, row.item) for row in valid], actor=actor
    )
    changed = {doc for doc, found in debtors.items() if found.outcome == Outcome.UPDATED}
    return changed, [(outcome.outcome, outcome.error) for outcome in outcomes]


def _bulk_batch(
    session: DbSession, creditor_id: int, valid: Sequence[ValidRow], *, actor: Actor
) -> _Outcomes:
    """Set-based (PostgreSQL), with the portable path's audit records and outcomes."""
    written = write_batch(session, creditor_id, valid, now=utcnow())
    if written.debtors_created or written.debtors_updated:
        record_event(
            session,
            actor,
            "debtors.upserted",
            creditor_id=creditor_id,
            details={
                "created": written.debtors_created,
                "updated": len(written.debtors_updated),
                "received": written.debtors_received,
            },
        )
    outcomes: list[tuple[Outcome, Message | None]] = []
    for row in valid:
        code = written.item_outcomes.get(row.line, Outcome.CREATED.value)
        if code in _OUTCOMES:
            outcomes.append((Outcome(code), None))
        else:
            outcomes.append((Outcome.ERROR, ITEM_ERRORS[code]))
    created = sum(1 for outcome, _error in outcomes if outcome == Outcome.CREATED)
    updated = sum(1 for outcome, _error in outcomes if outcome == Outcome.UPDATED)
    if created or updated:
        record_event(
            session,
            actor,
            "items.upserted",
            creditor_id=creditor_id,
            details={"created": created, "updated": updated, "received": len(valid)},
        )
    return written.debtors_updated, outcomes


_OUTCOMES = {Outcome.CREATED.value, Outcome.UPDATED.value, Outcome.UNCHANGED.value}


def _merged_debtors(rows: Sequence[ParsedRow]) -> list[DebtorRecord]:
    """One record per document: blanks of the first row filled by later rows of the batch."""
    merged: dict[str, DebtorRecord] = {}
    for row in rows:
        if isinstance(row, InvalidRow):
            continue
        record = row.debtor
        earlier = merged.get(record.document)
        if earlier is not None:
            record = replace(
                earlier,
                **{
                    name: getattr(record, name)
                    for name in ("email", "phone", "birth_date")
                    if getattr(earlier, name) is None
                },
            )
        merged[record.document] = record
    return list(merged.values())


__all__ = ["STAGING_COLUMNS", "BulkBatch", "supported", "write_batch", "write_rows"]
