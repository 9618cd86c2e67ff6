"""Creditor: a company owed money, and the tenant every other row belongs to."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, validates

from portal.domain.documents import format_cnpj, normalise_cnpj
from portal.models.base import Base, TimestampMixin

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_UF = frozenset(
    [
        "AC",
        "AL",
        "AP",
        "AM",
        "BA",
        "CE",
        "DF",
        "ES",
        "GO",
        "MA",
        "MT",
        "MS",
        "MG",
        "PA",
        "PB",
        "PR",
        "PE",
        "PI",
        "RJ",
        "RN",
        "RS",
        "RO",
        "RR",
        "SC",
        "SP",
        "SE",
        "TO",
    ]
)


class Creditor(TimestampMixin, Base):
    __tablename__ = "creditors"
    __table_args__ = (
        sa.CheckConstraint("length(cnpj) = 14", name="cnpj_length"),
        sa.CheckConstraint("length(brand_color) = 7", name="brand_color_length"),
        sa.CheckConstraint("length(state) = 2", name="state_length"),
        sa.CheckConstraint("length(postal_code) = 8", name="postal_code_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(sa.String(200))
    trade_name: Mapped[str] = mapped_column(sa.String(120))
    cnpj: Mapped[str] = mapped_column(sa.String(14), unique=True)
    address_line: Mapped[str] = mapped_column(sa.String(200))
    city: Mapped[str] = mapped_column(sa.String(100))
    state: Mapped[str] = mapped_column(sa.String(2))
    postal_code: Mapped[str] = mapped_column(sa.String(8))
    support_email: Mapped[str | None] = mapped_column(sa.String(254))
    support_phone: Mapped[str | None] = mapped_column(sa.String(20))
    support_whatsapp: Mapped[str | None] = mapped_column(sa.String(20))
    support_hours: Mapped[str | None] = mapped_column(sa.String(120))
    brand_color: Mapped[str] = mapped_column(sa.String(7), default="#1b5e7a")
    logo_path: Mapped[str | None] = mapped_column(sa.String(200))
    pix_key: Mapped[str | None] = mapped_column(sa.String(77))

    @validates("cnpj")
    def _validate_cnpj(self, _key: str, value: str) -> str:
        return normalise_cnpj(value)

    @validates("brand_color")
    def _validate_colour(self, _key: str, value: str) -> str:
        if not _COLOUR.fullmatch(value):
            raise ValueError("brand colour must be #RRGGBB")
        return value.lower()

    @validates("state")
    def _validate_state(self, _key: str, value: str) -> str:
        value = value.upper()
        if value not in _UF:
            raise ValueError("state must be a Brazilian UF")
        return value

    @validates("postal_code")
    def _validate_postal_code(self, _key: str, value: str) -> str:
        digits = re.sub(r"\D", "", value)
        if len(digits) != 8:
            raise ValueError("CEP must have 8 digits")
        return digits

    @property
    def display_name(self) -> str:
        return self.trade_name or self.legal_name

    @property
    def cnpj_formatted(self) -> str:
        return format_cnpj(self.cnpj)

    @property
    def address_formatted(self) -> str:
        cep = f"{self.postal_code[:5]}-{self.postal_code[5:]}"
        return f"{self.address_line}, {self.city} - {self.state}, CEP {cep}"
