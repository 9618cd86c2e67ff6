"""Labels of a data request's fields, in the reader's language (pages and the PDF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.models import DataRequestField

FIELD_LABELS = {
    DataRequestField.NAME: _l("Nome"),
    DataRequestField.EMAIL: _l("E-mail"),
    DataRequestField.PHONE: _l("Celular"),
    DataRequestField.BIRTH_DATE: _l("Data de nascimento"),
    DataRequestField.ITEM: _l("Uma pendência (valor, data ou descrição)"),
    DataRequestField.AGREEMENT: _l("Um acordo"),
    DataRequestField.PAYMENT: _l("Um pagamento"),
    DataRequestField.OTHER: _l("Outro dado"),
}
