"""Steps, structure checks, the current stage, idempotency keys, stop conditions, planning."""

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.domain.calendar import anbima_calendar
from portal.domain.regua import (
    DebtorFacts,
    ItemFacts,
    Outcome,
    Phase,
    Ruler,
    Step,
    StepText,
    StopReason,
    idempotency_key,
    plan_debtor,
    ruler_problems,
    scheduled_date,
    stop_reason,
    structure_problems,
    timeline,
)
from portal.domain.regua_copy import Channel, CopyContext
from portal.domain.regua_hours import Caps, SendingWindow

HOLIDAYS = anbima_calendar().holidays
SP = ZoneInfo("America/Sao_Paulo")
SMS_TEXT = StepText("{empresa} CNPJ {cnpj}: {valor} venceu {vencimento}. Negocie: {link} {sair}")
EMAIL_TEXT = StepText(
    "Olá, {nome}. {empresa} (CNPJ {cnpj}): {valor} desde {vencimento}. {link}\n{sair}",
    subject="{empresa}: lembrete",
)
CONTEXT = CopyContext(
    "Energia Viva", "12.345.678/0001-95", "https://p.example/a/" + "x" * 22, "SAIR"
)


def step(phase: Phase, offset: int, channel: Channel = Channel.EMAIL, **kw: object) -> Step:
    text = EMAIL_TEXT if channel == Channel.EMAIL else SMS_TEXT
    return Step(phase, offset, channel, text, **kw)  # type: ignore[arg-type]


RULER = Ruler(
    (
        step(Phase.PRE_DUE, -3),
        step(Phase.FIRST_NOTICE, 1, Channel.SMS),
        step(Phase.INTENSIFICATION, 7),
        step(Phase.NEGOTIATION, 15),
        step(Phase.NEGOTIATION, 15, Channel.SMS),
        step(Phase.FINAL_NOTICE, 30),
    )
)
DUE = date(2026, 9, 10)  # Thursday
MONDAY_10 = datetime(2026, 9, 14, 10, tzinfo=SP)


def test_step_key_is_stable_across_wording_and_variants() -> None:
    a = step(Phase.FIRST_NOTICE, 1, Channel.SMS)
    b = replace(a, text=StepText("outro texto"), variant_b=StepText("B"))
    assert a.key == b.key == "first_notice+1sms"
    assert step(Phase.PRE_DUE, -3).key == "pre_due-3email"


def test_variants_split_debtors_and_stay_put() -> None:
    plain = step(Phase.FIRST_NOTICE, 1)
    assert {plain.variant_for(n) for n in range(50)} == {"A"}
    assert plain.text_for("B") is plain.text
    ab = replace(plain, variant_b=StepText("B"))
    assert {ab.variant_for(n) for n in range(50)} == {"A", "B"}
    assert [ab.variant_for(7)] * 3 == [ab.variant_for(7) for _ in range(3)]
    assert ab.text_for("B").body == "B"
    assert ab.text_for("A") is ab.text


def test_structure_problems() -> None:
    assert structure_problems(RULER.steps) == []
    assert [p.message.code for p in structure_problems([])] == ["no_steps"]
    many = [step(Phase.FINAL_NOTICE, n) for n in range(1, 22)]
    assert [p.message.code for p in structure_problems(many)] == ["too_many_steps"]
    bad = [
        step(Phase.PRE_DUE, 1),
        step(Phase.FIRST_NOTICE, 0),
        step(Phase.FINAL_NOTICE, 10),
        step(Phase.FINAL_NOTICE, 10),
        step(Phase.INTENSIFICATION, 20),
    ]
    problems = [(p.position, p.message.code) for p in structure_problems(bad)]
    assert problems == [
        (1, "offset_range"),
        (2, "offset_range"),
        (4, "duplicate_step"),
        (1, "phase_order"),  # pre_due on day +1 comes after first_notice on day 0
        (5, "phase_order"),
    ]
    low_high = structure_problems([step(Phase.PRE_DUE, -31)])[0].message.params_dict()
    assert low_high == {"low": -30, "high": 0}


def test_same_day_steps_of_different_phases_are_not_out_of_order() -> None:
    steps = [step(Phase.NEGOTIATION, 10), step(Phase.INTENSIFICATION, 10, Channel.SMS)]
    assert structure_problems(steps) == []


def test_ruler_problems_check_the_wording_of_every_variant() -> None:
    bad_b = StepText("Pague ou chamaremos a polícia. {empresa} {cnpj} {valor} {link} {sair}")
    steps = [step(Phase.PRE_DUE, -1, Channel.SMS, variant_b=bad_b), step(Phase.FIRST_NOTICE, 2)]
    problems = ruler_problems(steps, lambda channel: CONTEXT)
    assert [(p.position, p.message.code) for p in problems] == [(1, "threat")]


@pytest.mark.parametrize(
    ("today", "offsets"),
    [
        (DUE - timedelta(days=4), []),
        (DUE - timedelta(days=3), [-3]),
        (DUE, [-3]),
        (DUE + timedelta(days=1), [1]),
        (DUE + timedelta(days=14), [7]),
        (DUE + timedelta(days=15), [15, 15]),
        (DUE + timedelta(days=400), [30]),
    ],
)
def test_current_steps(today: date, offsets: list[int]) -> None:
    assert [s.offset_days for s in RULER.current_steps(DUE, today)] == offsets


def test_keys_and_scheduled_dates() -> None:
    first = RULER.steps[1]
    assert scheduled_date(first, DUE) == date(2026, 9, 11)
    assert idempotency_key(42, first, date(2026, 9, 11)) == "42:first_notice+1sms:2026-09-11"


@pytest.mark.parametrize(
    ("status", "blocked", "reason"),
    [
        ("open", False, None),
        ("open", True, StopReason.BLOCKED),
        ("paid", False, StopReason.PAID),
        ("in_agreement", True, StopReason.IN_AGREEMENT),
        ("disputed", False, StopReason.DISPUTED),
        ("cancelled", False, StopReason.CANCELLED),
    ],
)
def test_stop_reasons(status: str, blocked: bool, reason: StopReason | None) -> None:
    assert stop_reason(status, blocked) is reason


ALL = frozenset(Channel)


def debtor(**kw: object) -> DebtorFacts:
    values: dict[str, object] = {"debtor_id": 7, "blocked": False, "channels": ALL}
    values.update(kw)
    return DebtorFacts(**values)  # type: ignore[arg-type]


def item(item_id: int = 1, due: date = DUE, status: str = "open", creditor: int = 1) -> ItemFacts:
    return ItemFacts(item_id, creditor, due, status)


def outcomes(decisions: list[object]) -> list[tuple[int, str]]:
    return [(d.item_id, d.outcome.value) for d in decisions]  # type: ignore[attr-defined]


def test_plan_one_message_when_everything_allows() -> None:
    [decision] = plan_debtor(debtor(), [(item(), RULER)], MONDAY_10, HOLIDAYS, Caps())
    assert decision.outcome is Outcome.PLANNED
    assert decision.step.key == "first_notice+1sms"
    assert decision.key == "1:first_notice+1sms:2026-09-11"
    assert (decision.day_slot, decision.variant, decision.stop) == (1, "A", None)


@pytest.mark.parametrize(
    ("facts", "moment", "expected"),
    [
        (debtor(blocked=True), MONDAY_10, "stopped"),
        (debtor(channels=frozenset({Channel.EMAIL})), MONDAY_10, "no_contact"),
        (debtor(opted_out=frozenset({Channel.SMS})), MONDAY_10, "opt_out"),
        (debtor(company_opted_out=frozenset({(1, Channel.SMS)})), MONDAY_10, "opt_out"),
        (debtor(company_opted_out=frozenset({(2, Channel.SMS)})), MONDAY_10, "planned"),
        (debtor(company_opted_out=frozenset({(1, Channel.EMAIL)})), MONDAY_10, "planned"),
        (debtor(), MONDAY_10.replace(hour=7), "quiet_hours"),
        (debtor(sent_days=(MONDAY_10.date(),)), MONDAY_10, "cap"),
        (debtor(sent_keys=frozenset({"1:first_notice+1sms:2026-09-11"})), MONDAY_10, None),
    ],
)
def test_plan_outcomes(facts: DebtorFacts, moment: datetime, expected: str | None) -> None:
    decisions = plan_debtor(facts, [(item(), RULER)], moment, HOLIDAYS, Caps())
    assert outcomes(decisions) == ([(1, expected)] if expected else [])


def test_a_stopped_item_says_why() -> None:
    [decision] = plan_debtor(debtor(), [(item(status="paid"), RULER)], MONDAY_10, HOLIDAYS, Caps())
    assert (decision.outcome, decision.stop) == (Outcome.STOPPED, StopReason.PAID)


def test_the_cap_counts_across_companies_and_serves_the_oldest_debt_first() -> None:
    pairs = [
        (item(1, DUE, creditor=1), RULER),
        (item(2, DUE - timedelta(days=100), creditor=2), RULER),
        (item(3, DUE + timedelta(days=30), creditor=3), RULER),  # not reached yet: no step
    ]
    decisions = plan_debtor(debtor(), pairs, MONDAY_10, HOLIDAYS, Caps())
    assert outcomes(decisions) == [(2, "planned"), (1, "cap")]
    generous = plan_debtor(debtor(), pairs, MONDAY_10, HOLIDAYS, Caps(per_day=2, per_week=3))
    assert [(d.item_id, d.day_slot) for d in generous] == [(2, 1), (1, 2)]


def test_two_steps_on_the_same_day_go_one_per_day() -> None:
    day_15 = datetime.combine(DUE + timedelta(days=15), time(10), SP)  # a Friday
    decisions = plan_debtor(debtor(), [(item(), RULER)], day_15, HOLIDAYS, Caps())
    assert [(d.step.channel.value, d.outcome.value) for d in decisions] == [
        ("email", "planned"),
        ("sms", "cap"),
    ]


def test_quiet_hours_follow_the_companys_window() -> None:
    narrow = replace(RULER, window=SendingWindow(saturday=None))
    saturday = datetime(2026, 9, 12, 10, tzinfo=SP)
    assert outcomes(plan_debtor(debtor(), [(item(), RULER)], saturday, HOLIDAYS, Caps())) == [
        (1, "planned")
    ]
    assert outcomes(plan_debtor(debtor(), [(item(), narrow)], saturday, HOLIDAYS, Caps())) == [
        (1, "quiet_hours")
    ]


def test_timeline_moves_steps_off_sundays_and_holidays() -> None:
    due = date(2026, 11, 16)  # Monday; +4 is Consciência Negra, -1 a Sunday
    ruler = Ruler((step(Phase.FIRST_NOTICE, 4), step(Phase.PRE_DUE, -1)))
    entries = timeline(ruler, due, HOLIDAYS)
    assert [(e.step.offset_days, e.scheduled, e.first_send_day) for e in entries] == [
        (-1, date(2026, 11, 15), date(2026, 11, 16)),
        (4, date(2026, 11, 20), date(2026, 11, 21)),
    ]
    closed = frozenset(due + timedelta(days=n) for n in range(-5, 30))
    assert timeline(ruler, due, closed)[0].first_send_day is None
