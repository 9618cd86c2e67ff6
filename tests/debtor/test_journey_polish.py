"""Journey polish (issue 16): the details a debtor on a phone tripped over."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import time_machine
from flask.testing import FlaskClient

from portal.core.clock import BRASILIA
from portal.domain.calendar import anbima_calendar
from tests.debtor.test_journey import sign_in
from tests.html import parse_page
from tests.journey_helpers import debt_world


def test_the_suggested_first_date_is_a_business_day(client: FlaskClient) -> None:
    world = debt_world()
    calendar = anbima_calendar()
    moved = 0
    start = datetime.now(BRASILIA).replace(hour=10, minute=0, second=0, microsecond=0)
    for shift in range(7):  # a week: some day's earliest date falls on a weekend
        with time_machine.travel(start + timedelta(days=shift), tick=False):
            sign_in(client, world)
            field = parse_page(client.get(f"/simular/{world.creditor.id}")).find(
                "input", attrs={"name": "first_due_date"}
            )
            earliest = date.fromisoformat(field["min"])
            suggested = date.fromisoformat(field["value"])
            assert calendar.is_business_day(suggested)
            assert suggested == calendar.following(earliest)
            assert earliest <= suggested <= date.fromisoformat(field["max"])
            moved += suggested != earliest
    assert moved >= 2  # the weekend was really stepped over
