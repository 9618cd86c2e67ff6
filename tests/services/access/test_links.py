"""portal/services/access/links.py: audit hygiene, live-link cap, identity matching."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.core.clock import now_utc
from portal.core.context import SYSTEM
from portal.core.tokens import token_hash
from portal.extensions import db
from portal.models import AccessLink, AuditEvent
from portal.services.access import identifier_key, identity_matches, request_magic_link
from tests.access_helpers import debtor_with_items, form_post, link_in, reminder_link
from tests.factories import contact_of
from tests.smtp_server import SmtpServer


def test_audit_and_logs_never_hold_the_token_or_the_cpf(
    smtp_app: Flask,
    smtp_server: SmtpServer,
    client: FlaskClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    debtor, creditor = debtor_with_items()
    form_post(client, "/", {"identifier": debtor.document}, action="/entrar")
    magic = link_in(smtp_server.wait_for(1)[0]).rsplit("/", 1)[1]
    reminder = reminder_link(debtor.id, creditor.id)
    form_post(client, f"/a/{reminder}", {"digits": "000"})
    form_post(client, f"/a/{reminder}", {"digits": debtor.document[:3]})
    rows = db.session.scalars(sa.select(AuditEvent)).all()
    assert {r.action for r in rows} >= {
        "link.requested",
        "link.opened",
        "link.failed",
        "link.used",
        "auth.login",
    }
    dump = json.dumps([[r.action, r.actor_id, r.subject_id, r.details, r.user_agent] for r in rows])
    for secret in (magic, reminder, debtor.document):
        assert secret not in dump
        assert secret not in caplog.text
    web = [r for r in rows if r.action in {"link.opened", "auth.login"}]
    assert all(r.ip == "127.0.0.1" and r.user_agent for r in web)


def test_at_most_three_live_magic_links(smtp_app: Flask, smtp_server: SmtpServer) -> None:
    debtor, _ = debtor_with_items()
    with smtp_app.app_context():  # as in its task: the e-mails leave at the commit
        sent = [
            request_magic_link(
                db.session,
                str(contact_of(debtor).email),
                actor=SYSTEM,
                browser_nonce_hash=token_hash("n" * 32),
                ttl=timedelta(minutes=15),
                now=now_utc(),
            )
            for _ in range(5)
        ]
        db.session.commit()
    assert sent == [1, 1, 1, 0, 0]
    assert db.session.query(AccessLink).count() == 3
    assert len(smtp_server.wait_for(3)) == 3


def test_identifier_key_normalises_and_hides() -> None:
    assert identifier_key("Maria@Example.com ") == identifier_key("maria@example.com")
    assert identifier_key("529.982.247-25") == identifier_key("52998224725")
    assert "529" not in identifier_key("529.982.247-25")


@pytest.mark.parametrize(
    ("method", "answer", "ok"),
    [
        ("document", "529", True),
        ("document", " 529 ", True),
        ("document", "52", False),
        ("document", "528", False),
        ("birth_date", "1990-05-17", True),
        ("birth_date", "1990-05-18", False),
        ("birth_date", "17/05/1990", False),
        ("other", "529", False),
    ],
)
def test_identity_matches(method: str, answer: str, ok: bool) -> None:
    assert identity_matches("52998224725", date(1990, 5, 17), method, answer) is ok


def test_no_birth_date_means_no_birth_date_check() -> None:
    assert identity_matches("11222333000181", None, "birth_date", "1990-01-01") is False
    assert identity_matches("11222333000181", None, "document", "112") is True


def test_links_issued_in_bulk_are_the_same_rows_and_records_as_one_by_one(app: Flask) -> None:
    from portal.core.context import Actor
    from portal.models import ActorType, Channel, LinkPurpose
    from portal.services.access.links import find_link, issue_reminder_link, issue_reminder_links
    from tests.factories import create_creditor, create_debtor, relate

    company, other = create_creditor(), create_creditor()
    known = [create_debtor() for _ in range(3)]
    for debtor in known:
        relate(company, debtor)
    blocked = create_debtor(access_blocked_at=now_utc())
    relate(company, blocked)
    stranger = create_debtor()  # known to the other company only
    relate(other, stranger)
    agent = Actor(ActorType.STAFF, "7")
    now = now_utc()

    issued = issue_reminder_links(
        db.session,
        company.id,
        [d.id for d in (*known, blocked, stranger, known[0])],
        channel=Channel.SMS,
        days=5,
        max_days=30,
        actor=agent,
        now=now,
    )
    db.session.commit()

    assert sorted(issued) == sorted(d.id for d in known)
    for debtor in known:
        link_id, token = issued[debtor.id]
        link = find_link(db.session, token, LinkPurpose.REMINDER)
        assert link is not None and link.id == link_id
        assert (link.debtor_id, link.creditor_id, link.channel) == (debtor.id, company.id, "sms")
        assert (link.issued_by_type, link.issued_by_id) == ("staff", "7")
        assert (link.purpose, link.use_count, link.failed_attempts) == ("reminder", 0, 0)
        assert link.created_at.replace(tzinfo=None) == now.replace(tzinfo=None)
        assert link.expires_at.replace(tzinfo=None) == (now + timedelta(days=5)).replace(
            tzinfo=None
        )
    records = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "link.issued")
    ).all()
    assert sorted((r.subject_id, r.details["debtor_id"]) for r in records) == sorted(
        (str(issued[d.id][0]), d.id) for d in known
    )
    assert {(r.actor_type, r.actor_id, r.creditor_id) for r in records} == {
        ("staff", "7", company.id)
    }
    assert all(r.subject_type == "access_link" and r.occurred_at is not None for r in records)
    assert [r.details for r in records if r.details["debtor_id"] == known[1].id] == [
        {"debtor_id": known[1].id, "channel": "sms", "days": 5}
    ]
    assert len({token for _id, token in issued.values()}) == 3
    single, _token = issue_reminder_link(  # the id sequence went past the bulk's ids
        db.session,
        known[2],
        company,
        channel=Channel.SMS,
        days=1,
        max_days=30,
        actor=agent,
        now=now,
    )
    assert single.id > max(link_id for link_id, _token in issued.values())
    with pytest.raises(ValueError):
        issue_reminder_links(
            db.session,
            company.id,
            [known[0].id],
            channel=Channel.SMS,
            days=31,
            max_days=30,
            actor=agent,
            now=now,
        )
    assert (
        issue_reminder_links(
            db.session,
            company.id,
            [],
            channel=Channel.SMS,
            days=1,
            max_days=30,
            actor=agent,
            now=now,
        )
        == {}
    )
