"""Forms of the staff article editor (admins only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from portal.models.article import SLUG_MAX, SUMMARY_MAX, TITLE_MAX
from portal.services.learn import BODY_MAX, CATEGORIES


class ArticleForm(FlaskForm):
    """Title, summary, category, reading time and the Markdown body of a draft."""

    title = StringField(
        _l("Título"),
        validators=[
            DataRequired(_l("Informe o título.")),
            Length(max=TITLE_MAX, message=_l("No máximo %(max)d caracteres.")),
        ],
    )
    summary = StringField(
        _l("Resumo"),
        description=_l("Aparece na lista de artigos e nas buscas. Até 160 caracteres."),
        validators=[
            DataRequired(_l("Informe o resumo.")),
            Length(max=SUMMARY_MAX, message=_l("No máximo %(max)d caracteres.")),
        ],
    )
    category = SelectField(
        _l("Tema"),
        choices=[SelectChoice(key, label) for key, label in CATEGORIES.items()],
        validate_choice=True,
    )
    reading_minutes = IntegerField(
        _l("Tempo de leitura (minutos)"),
        validators=[
            InputRequired(_l("Informe o tempo de leitura.")),
            NumberRange(min=1, max=60, message=_l("Entre 1 e 60 minutos.")),
        ],
    )
    body_markdown = TextAreaField(
        _l("Texto (Markdown)"),
        description=_l(
            "Use ## para subtítulos, **negrito**, listas com - e links [texto](/aprenda/endereco). "
            "HTML não é aceito: aparece como texto."
        ),
        validators=[
            DataRequired(_l("Escreva o texto do artigo.")),
            Length(max=BODY_MAX, message=_l("No máximo %(max)d caracteres.")),
        ],
    )


class NewArticleForm(ArticleForm):
    """A new draft also chooses its address, which never changes afterwards."""

    slug = StringField(
        _l("Endereço (slug)"),
        description=_l(
            "Parte final do endereço: /aprenda/…; letras minúsculas sem acento, números e "
            "hífens. Não pode ser mudado depois."
        ),
        validators=[
            DataRequired(_l("Informe o endereço.")),
            Length(max=SLUG_MAX, message=_l("No máximo %(max)d caracteres.")),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message=_l("Use letras minúsculas sem acento, números e hífens."),
            ),
        ],
    )
