"""When a reminder may reach a debtor: the sending window, holidays, time zones and caps.

* **Sending window** (horário permitido), always in the *debtor's* local time: by default
  08:00–20:00 Monday to Friday and 08:00–14:00 on Saturday; never on Sunday nor on a national
  holiday. A company may narrow it (start later, end earlier, skip Saturday) but never widen it
  beyond those bounds: :class:`SendingWindow` refuses anything outside them.
* **Time zone** of a debtor: from the area code (DDD) of their phone, since Brazil spans four
  zones and a debtor's address is not always known; without a phone, Brasília time.
* **Caps** per debtor, counted over every company together: by default at most one message a
  local day and three in any seven consecutive local days.

Pure: datetimes come in already converted to the debtor's zone, holidays as a set of dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Final

from portal.domain.errors import N_, Message

SATURDAY: Final = 5
SUNDAY: Final = 6
DEFAULT_ZONE: Final = "America/Sao_Paulo"
# How far ahead next_opening() looks: long enough to cross Carnaval next to a weekend.
SEARCH_DAYS: Final = 14

# Area codes (DDD) outside Brasília time. Amazonas and Acre have western municipalities an
# hour further behind that share a DDD with the state capital; the capital's zone is used.
_ZONES_BY_AREA_CODE: Final[dict[int, str]] = {
    65: "America/Cuiaba",  # Mato Grosso
    66: "America/Cuiaba",
    67: "America/Campo_Grande",  # Mato Grosso do Sul
    68: "America/Rio_Branco",  # Acre
    69: "America/Porto_Velho",  # Rondônia
    92: "America/Manaus",  # Amazonas
    97: "America/Manaus",
    95: "America/Boa_Vista",  # Roraima
}


def zone_for_phone(phone: str | None) -> str:
    """The IANA time zone of a Brazilian E.164 phone (``+55DD…``); Brasília by default."""
    if phone is None or not phone.startswith("+55") or len(phone) < 5:
        return DEFAULT_ZONE
    area = phone[3:5]
    if not area.isdigit():
        return DEFAULT_ZONE
    return _ZONES_BY_AREA_CODE.get(int(area), DEFAULT_ZONE)


class InvalidWindow(ValueError):
    """A sending window outside the allowed bounds; ``message`` says why (translatable)."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.code)
        self.message = message


@dataclass(frozen=True, slots=True)
class DayWindow:
    """From ``start`` (included) to ``end`` (excluded), local time."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise InvalidWindow(
                Message.of("window_naive", N_("informe horários locais, sem fuso horário"))
            )
        if self.start >= self.end:
            raise InvalidWindow(
                Message.of("window_order", N_("o horário de início vem antes do horário de fim"))
            )

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end

    def within(self, bounds: DayWindow) -> bool:
        return bounds.start <= self.start and self.end <= bounds.end


WEEKDAY_BOUNDS: Final = DayWindow(time(8), time(20))
SATURDAY_BOUNDS: Final = DayWindow(time(8), time(14))


@dataclass(frozen=True, slots=True)
class SendingWindow:
    """When messages may go out, local time; ``saturday=None`` means not on Saturdays."""

    weekdays: DayWindow = WEEKDAY_BOUNDS
    saturday: DayWindow | None = SATURDAY_BOUNDS

    def __post_init__(self) -> None:
        if not self.weekdays.within(WEEKDAY_BOUNDS):
            raise InvalidWindow(
                Message.of(
                    "weekday_window",
                    N_("de segunda a sexta, envie somente entre 08:00 e 20:00"),
                )
            )
        if self.saturday is not None and not self.saturday.within(SATURDAY_BOUNDS):
            raise InvalidWindow(
                Message.of("saturday_window", N_("aos sábados, envie somente entre 08:00 e 14:00"))
            )

    def on(self, day: date, holidays: frozenset[date]) -> DayWindow | None:
        """The window of ``day``; None on Sundays, holidays and (if so set) Saturdays."""
        weekday = day.weekday()
        if weekday == SUNDAY or day in holidays:
            return None
        if weekday == SATURDAY:
            return self.saturday
        return self.weekdays

    def allows(self, local: datetime, holidays: frozenset[date]) -> bool:
        """Whether a message may be sent at ``local`` (the debtor's wall-clock time)."""
        window = self.on(local.date(), holidays)
        return window is not None and window.contains(local.time().replace(tzinfo=None))

    def next_opening(self, local: datetime, holidays: frozenset[date]) -> datetime | None:
        """``local`` itself when allowed, else the next moment the window opens.

        None when no window opens in the next :data:`SEARCH_DAYS` days (cannot happen with a
        valid window and a real holiday calendar, but a caller must not loop forever).
        """
        if self.allows(local, holidays):
            return local
        day = local.date()
        for offset in range(SEARCH_DAYS + 1):
            current = day + timedelta(days=offset)
            window = self.on(current, holidays)
            if window is None:
                continue
            opening = datetime.combine(current, window.start, local.tzinfo)
            if opening > local:
                return opening
        return None


class CapExceeded(StrEnum):
    DAY = "day"
    WEEK = "week"


@dataclass(frozen=True, slots=True)
class Caps:
    """Messages per debtor, every company together: per local day and per 7 local days."""

    per_day: int = 1
    per_week: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.per_day <= self.per_week <= 7 * self.per_day:
            raise ValueError("caps must satisfy 1 <= per_day <= per_week <= 7 * per_day")

    def check(self, sent_days: Iterable[date], today: date) -> CapExceeded | None:
        """Whether one more message today would break a cap, given the local days of the
        debtor's messages already sent (or being sent)."""
        week_start = today - timedelta(days=6)
        days = [d for d in sent_days if week_start <= d <= today]
        if sum(1 for d in days if d == today) >= self.per_day:
            return CapExceeded.DAY
        if len(days) >= self.per_week:
            return CapExceeded.WEEK
        return None

    def day_slot(self, sent_days: Iterable[date], today: date) -> int:
        """The number of today's next message (1 for the first): with a unique (debtor, day,
        slot) constraint, two runs racing for the same debtor cannot both pass the cap."""
        return 1 + sum(1 for d in sent_days if d == today)
