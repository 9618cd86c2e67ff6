"""The CSV upload form of the back-office imports page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import SelectField

# Below MAX_CONTENT_LENGTH (16 MiB by default), so the form, not a 413, explains the limit.
MAX_UPLOAD_BYTES = 15 * 1024 * 1024


class ImportUploadForm(FlaskForm):
    creditor_id = SelectField(_l("Empresa"), coerce=int, validate_choice=True)
    file = FileField(
        _l("Arquivo CSV"),
        validators=[
            FileRequired(_l("Escolha o arquivo CSV.")),
            FileAllowed(["csv"], _l("Envie um arquivo com a extensão .csv.")),
            FileSize(
                max_size=MAX_UPLOAD_BYTES,
                min_size=1,
                message=_l("O arquivo deve ter entre 1 byte e 15 MB."),
            ),
        ],
    )
