"""Typed errors and translatable messages of the negotiation engine.

User-facing text is pt-BR and is translated by the web layer (Flask-Babel), which the domain
cannot import. Every message is therefore carried as a *msgid* plus parameters:

* ``N_`` is a no-op marker the project's Babel extraction recognises, so the msgids below end up
  in the catalogue while the domain stays free of gettext.
* Parameters follow one naming rule so the web layer can format them:

  - ``<name>_cents`` (int): money in centavos, shown as ``%(<name>)s`` (e.g. ``amount_cents``
    fills ``%(amount)s`` with "R$ 50,00");
  - ``<name>_date`` (str, ISO 8601): a date, shown as ``%(<name>)s``;
  - ``<name>_pct`` (str, a decimal such as ``"30"``): a percentage, shown as ``%(<name>)s``;
  - anything else (int or str) fills ``%(<name>)s`` as is.

Errors (exceptions) are for inputs the engine refuses; expected outcomes such as "no plan fits
this budget" are values carrying ``Message`` reasons (see ``budget.py``).
"""

from dataclasses import dataclass
from typing import ClassVar

ParamValue = int | str
"""A message parameter: an int (money in centavos, counts) or a str (ISO dates, decimals)."""


def N_(message: str) -> str:
    """Mark ``message`` as a pt-BR msgid for extraction and return it unchanged."""
    return message


@dataclass(frozen=True, slots=True)
class Message:
    """A translatable message: a stable ``code``, a pt-BR msgid ``key`` and its parameters.

    ``params`` is a tuple of ``(name, value)`` pairs sorted by name, so messages are immutable,
    hashable and serialise canonically.
    """

    code: str
    key: str
    params: tuple[tuple[str, ParamValue], ...] = ()

    @classmethod
    def of(cls, code: str, key: str, **params: ParamValue) -> "Message":
        """Build a message with its parameters sorted by name."""
        return cls(code, key, tuple(sorted(params.items())))

    def params_dict(self) -> dict[str, ParamValue]:
        """The parameters as a dict, for ``gettext(key) % formatted(params)``."""
        return dict(self.params)


class NegotiationError(Exception):
    """Base class of every error the negotiation engine raises on purpose."""

    code: ClassVar[str] = "negotiation_error"
    message_key: ClassVar[str] = N_("não foi possível calcular a negociação")

    def __init__(self, **params: ParamValue) -> None:
        self.params: dict[str, ParamValue] = dict(params)
        super().__init__(f"{self.code}: {self.params}")

    @property
    def message(self) -> Message:
        """The error as a translatable ``Message``."""
        return Message.of(self.code, self.message_key, **self.params)


class InvalidPolicy(NegotiationError):
    """A negotiation policy (or one of its parts) has an out-of-range or inconsistent value."""

    code = "invalid_policy"
    message_key = N_("política de negociação inválida: %(field)s")

    def __init__(self, field: str) -> None:
        super().__init__(field=field)


class InvalidAmount(NegotiationError):
    """A money argument is not an int number of centavos in the accepted range."""

    code = "invalid_amount"
    message_key = N_("valor inválido: %(field)s")

    def __init__(self, field: str) -> None:
        super().__init__(field=field)


class InvalidItem(NegotiationError):
    """A pending item cannot be negotiated as given (empty id, non-positive principal, ...)."""

    code = "invalid_item"
    message_key = N_("pendência inválida: %(item_id)s (%(field)s)")

    def __init__(self, item_id: str, field: str) -> None:
        super().__init__(item_id=item_id, field=field)


class NoItemsSelected(NegotiationError):
    """A simulation was asked for an empty set of items."""

    code = "no_items_selected"
    message_key = N_("selecione ao menos uma pendência")


class DuplicateItem(NegotiationError):
    """The same item was selected twice."""

    code = "duplicate_item"
    message_key = N_("a pendência %(item_id)s foi selecionada mais de uma vez")

    def __init__(self, item_id: str) -> None:
        super().__init__(item_id=item_id)


class FirstDueDateOutOfWindow(NegotiationError):
    """The chosen first due date is outside the policy window."""

    code = "first_due_date_out_of_window"
    message_key = N_("escolha o primeiro vencimento entre %(earliest)s e %(latest)s")

    def __init__(self, earliest_date: str, latest_date: str) -> None:
        super().__init__(earliest_date=earliest_date, latest_date=latest_date)


class DownPaymentAboveTotal(NegotiationError):
    """The requested entrada is larger than the negotiated amount."""

    code = "down_payment_above_total"
    message_key = N_("a entrada não pode passar de %(amount)s")

    def __init__(self, amount_cents: int) -> None:
        super().__init__(amount_cents=amount_cents)


class InstallmentCountUnavailable(NegotiationError):
    """An offer has no option with the requested number of payments."""

    code = "installment_count_unavailable"
    message_key = N_("não há opção em %(count)s pagamentos")

    def __init__(self, count: int) -> None:
        super().__init__(count=count)


class IndexNotAvailable(NegotiationError):
    """The monetary-correction table has no value for a month the computation needs."""

    code = "index_not_available"
    message_key = N_("índice de correção indisponível para %(month)s")

    def __init__(self, month: str) -> None:
        super().__init__(month=month)


class InvalidIndexTable(NegotiationError):
    """A monetary-correction CSV could not be parsed."""

    code = "invalid_index_table"
    message_key = N_("tabela de índices inválida na linha %(line)s")

    def __init__(self, line: int) -> None:
        super().__init__(line=line)


class CalendarUnavailable(NegotiationError):
    """The bank calendar data could not be found or parsed."""

    code = "calendar_unavailable"
    message_key = N_("calendário bancário %(name)s indisponível")

    def __init__(self, name: str) -> None:
        super().__init__(name=name)


class InvalidCashFlows(NegotiationError):
    """Cash flows for which the CET (an internal rate of return) is not defined."""

    code = "invalid_cash_flows"
    message_key = N_("não foi possível calcular o CET")


class InvalidOfferData(NegotiationError):
    """A serialised offer does not decode to a valid ``Offer``."""

    code = "invalid_offer_data"
    message_key = N_("proposta inválida ou corrompida")
