"""Demo data for the embedded default: three creditors, two dozen debtors, their pendências.

Everything is deterministic (fixed names, documents computed from fixed numbers, a seeded
random generator for amounts and dates) and keyed on natural keys (CNPJ, CPF, external
reference), so running the seed twice changes nothing. All people, e-mail addresses
(``example.com``) and phone numbers are fictitious.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.context import SYSTEM
from portal.models import Creditor, CreditorDebtor, Debtor, PendingItem, StaffRole, StaffUser
from portal.services.backoffice import create_staff


def _check_digit(digits: str, weights: range | list[int]) -> str:
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True))
    rest = total % 11
    return "0" if rest < 2 else str(11 - rest)


def cpf_from_base(base9: str) -> str:
    """Complete nine digits into a CPF with valid check digits (modulo 11)."""
    first = _check_digit(base9, range(10, 1, -1))
    return base9 + first + _check_digit(base9 + first, range(11, 1, -1))


def cnpj_from_base(base12: str) -> str:
    """Complete twelve digits into a CNPJ with valid check digits (modulo 11)."""
    weights1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    first = _check_digit(base12, weights1)
    return base12 + first + _check_digit(base12 + first, [6, *weights1])


@dataclass(frozen=True)
class _CreditorSpec:
    key: str
    legal_name: str
    trade_name: str
    cnpj_base: str
    address_line: str
    city: str
    state: str
    postal_code: str
    support_email: str
    support_phone: str
    support_whatsapp: str
    brand_color: str
    pix_key: str
    item_label: str
    amount_range: tuple[int, int]  # centavos


CREDITORS = (
    _CreditorSpec(
        "energia",
        "Energia Viva Distribuidora S.A.",
        "Energia Viva",
        "123456780001",
        "Rua das Usinas, 250, Centro",
        "Belo Horizonte",
        "MG",
        "30110000",
        "atendimento@energiaviva.example.com",
        "+553130000100",
        "+5531990000100",
        "#0b6e4f",
        "financeiro@energiaviva.example.com",
        "Conta de energia",
        (8_000, 60_000),
    ),
    _CreditorSpec(
        "horizonte",
        "Horizonte Crédito Financeira S.A.",
        "Horizonte Crédito",
        "987654320001",
        "Av. Brigadeiro Faria Lima, 1500, 12º andar, Pinheiros",
        "São Paulo",
        "SP",
        "01452002",
        "negocie@horizonte.example.com",
        "+551130000200",
        "+5511990000200",
        "#1d4e89",
        "+5511990000200",
        "Fatura do cartão Horizonte",
        (30_000, 800_000),
    ),
    _CreditorSpec(
        "saber",
        "Colégio Saber Mais Ltda.",
        "Colégio Saber Mais",
        "456123780001",
        "Rua Professora Ana Lúcia, 77, Boa Vista",
        "Recife",
        "PE",
        "50050000",
        "financeiro@sabermais.example.com",
        "+558130000300",
        "+5581990000300",
        "#8a3b12",
        "financeiro@sabermais.example.com",
        "Mensalidade escolar",
        (50_000, 250_000),
    ),
)

DEBTOR_NAMES = (
    "Maria das Graças Souza",
    "José Carlos da Silva",
    "Ana Paula Ferreira",
    "Francisco de Assis Oliveira",
    "Antônia Aparecida Santos",
    "João Batista Pereira",
    "Francisca Lima Rodrigues",
    "Carlos Eduardo Almeida",
    "Juliana Costa Ribeiro",
    "Luiz Fernando Gomes",
    "Adriana Martins Carvalho",
    "Paulo Roberto Araújo",
    "Patrícia Nascimento Barbosa",
    "Marcos Vinícius Rocha",
    "Aline Cristina Dias",
    "Raimundo Nonato Moreira",
    "Fernanda Teixeira Lopes",
    "Sebastião Cardoso Mendes",
    "Camila Vieira Nunes",
    "Rafael Monteiro Freitas",
    "Luciana Batista Correia",
    "Severino Ramos Cavalcanti",
    "Débora Azevedo Pinto",
    "Thiago Henrique Moura",
)


_AREA_CODES = (11, 21, 31, 41, 51, 61, 71, 81, 85, 91, 19, 27)


def _email_for(name: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    parts = [p for p in plain.split() if p not in {"da", "das", "de", "do", "dos"}]
    return f"{parts[0]}.{parts[-1]}@example.com"


@dataclass
class SeedReport:
    created: dict[str, int] = field(
        default_factory=lambda: {"creditors": 0, "debtors": 0, "items": 0, "policies": 0}
    )
    debtors: list[Debtor] = field(default_factory=list)
    # The first company relationship of each debtor (for the listing seed-demo prints).
    contacts: dict[int, CreditorDebtor] = field(default_factory=dict)


def _upsert_creditor(session: DbSession, spec: _CreditorSpec, report: SeedReport) -> Creditor:
    cnpj = cnpj_from_base(spec.cnpj_base)
    creditor = session.scalar(select(Creditor).where(Creditor.cnpj == cnpj))
    if creditor is None:
        creditor = Creditor(
            legal_name=spec.legal_name,
            trade_name=spec.trade_name,
            cnpj=cnpj,
            address_line=spec.address_line,
            city=spec.city,
            state=spec.state,
            postal_code=spec.postal_code,
            support_email=spec.support_email,
            support_phone=spec.support_phone,
            support_whatsapp=spec.support_whatsapp,
            support_hours="Seg. a sex., 8h às 20h; sáb., 8h às 14h",
            brand_color=spec.brand_color,
            pix_key=spec.pix_key,
        )
        session.add(creditor)
        report.created["creditors"] += 1
    return creditor


def _upsert_debtor(session: DbSession, index: int, report: SeedReport) -> Debtor:
    cpf = cpf_from_base(f"{(index + 1) * 37_104_211 % 1_000_000_000:09d}")
    debtor = session.scalar(select(Debtor).where(Debtor.document == cpf))
    if debtor is None:
        debtor = Debtor(document=cpf)
        session.add(debtor)
        report.created["debtors"] += 1
    report.debtors.append(debtor)
    return debtor


def _relate(
    session: DbSession, creditor: Creditor, debtor: Debtor, index: int, report: SeedReport
) -> None:
    """The company's own record of the person (each company holds its own copy)."""
    contact = session.get(CreditorDebtor, (creditor.id, debtor.id))
    if contact is None:
        name = DEBTOR_NAMES[index]
        rng = random.Random(index)  # noqa: S311 - demo data, not security
        contact = CreditorDebtor(
            creditor_id=creditor.id,
            debtor_id=debtor.id,
            name=name,
            email=_email_for(name),
            phone=f"+55{_AREA_CODES[index % len(_AREA_CODES)]}9{9000_0000 + index * 137:08d}",
            birth_date=date(1950 + rng.randrange(50), 1 + rng.randrange(12), 1 + rng.randrange(28)),
        )
        session.add(contact)
        session.flush()
    report.contacts.setdefault(debtor.id, contact)


def _seed_policies(session: DbSession, creditors: list[Creditor], report: SeedReport) -> None:
    from portal.demo.policies import demo_policies
    from portal.services.policies import NoPolicy, current_version, publish_policy

    policies = demo_policies()
    for spec, creditor in zip(CREDITORS, creditors, strict=True):
        try:
            current_version(session, creditor.id)
        except NoPolicy:
            publish_policy(
                session, creditor, policies[spec.key], actor=SYSTEM, note="política de demonstração"
            )
            report.created["policies"] += 1


def seed_demo(session: DbSession, today: date) -> SeedReport:
    """Create what is missing of the demo data set; flush, never commit."""
    report = SeedReport()
    creditors = [_upsert_creditor(session, spec, report) for spec in CREDITORS]
    debtors = [_upsert_debtor(session, i, report) for i in range(len(DEBTOR_NAMES))]
    session.flush()

    existing = {
        (c, r)
        for c, r in session.execute(select(PendingItem.creditor_id, PendingItem.external_reference))
    }
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    for d_index, debtor in enumerate(debtors):
        for n in range(2 + d_index % 3):  # 2 to 4 items each: 72 in all
            c_index = (d_index + (n if n < 2 else 0)) % len(CREDITORS)
            spec, creditor = CREDITORS[c_index], creditors[c_index]
            _relate(session, creditor, debtor, d_index, report)
            reference = f"DEMO-{spec.key.upper()}-{d_index + 1:03d}-{n + 1}"
            days_late = 5 + rng.randrange(396)
            low, high = spec.amount_range
            amount = rng.randrange(low, high) // 10 * 10 + rng.choice((0, 5, 9))
            if (creditor.id, reference) in existing:
                continue
            due = today - timedelta(days=days_late)
            session.add(
                PendingItem(
                    creditor_id=creditor.id,
                    debtor_id=debtor.id,
                    external_reference=reference,
                    description=f"{spec.item_label} - vencimento {due:%m/%Y}",
                    original_amount_cents=amount,
                    original_due_date=due,
                )
            )
            report.created["items"] += 1
    _seed_policies(session, creditors, report)
    if any(report.created.values()):
        record_event(session, SYSTEM, "demo.seeded", details=dict(report.created))
    session.flush()
    return report


DEMO_STAFF = {
    "name": "Ana Atendente",
    "email": "atendimento@example.com",
    # Development data only: seed-demo refuses to run in production.
    "password": "demonstracao-2026",
}
"""The demo support agent: serves the first two demo creditors."""

DEMO_ADMIN = {
    "name": "Bruno Administrador",
    "email": "admin@example.com",
    "password": "demonstracao-admin-2026",
}
"""The demo administrator: every creditor, policies, integration, articles."""


def seed_demo_staff(session: DbSession) -> list[StaffUser]:
    """The demo agent and the demo administrator (idempotent)."""
    cnpjs = [cnpj_from_base(spec.cnpj_base) for spec in CREDITORS[:2]]
    agent_creditors = list(session.scalars(select(Creditor).where(Creditor.cnpj.in_(cnpjs))))
    people = []
    for spec, role, creditors, everyone in (
        (DEMO_STAFF, StaffRole.AGENT, agent_creditors, False),
        (DEMO_ADMIN, StaffRole.ADMIN, [], True),
    ):
        existing = session.scalar(select(StaffUser).where(StaffUser.email == spec["email"]))
        if existing is None:
            existing = create_staff(
                session,
                name=spec["name"],
                email=spec["email"],
                password=spec["password"],
                role=role,
                creditors=creditors,
                all_creditors=everyone,
                actor=SYSTEM,
            ).user
        people.append(existing)
    return people
