"""Filter forms of the back-office lists (deliveries), read from the query string."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from portal.models import DeliveryStatus
from portal.services.integration import EVENT_TYPES
from portal.staff.report_forms import BrDateField

DELIVERY_STATUS_LABELS = {
    DeliveryStatus.PENDING.value: _l("aguardando"),
    DeliveryStatus.DELIVERED.value: _l("entregue"),
    DeliveryStatus.DEAD.value: _l("desistimos"),
}


class DeliveryFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    situacao = SelectField(
        _l("Situação"),
        choices=[
            SelectChoice("", _l("Todas")),
            *(SelectChoice(value, label) for value, label in DELIVERY_STATUS_LABELS.items()),
        ],
        default="",
    )
    evento = SelectField(
        _l("Evento"),
        choices=[SelectChoice("", _l("Todos")), *(SelectChoice(t, t) for t in sorted(EVENT_TYPES))],
        default="",
    )
    desde = BrDateField(_l("Criadas de"))
    ate = BrDateField(_l("Até"))
