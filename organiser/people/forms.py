"""Forms for the people directory: a person, the directory filters; the import's upload, mapping and confirmation."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from ..extensions import db
from ..forms import Form, Length, MultiCheckboxField, add_error, choice_list, mail_address, record_id, required
from ..i18n import language_choices
from ..places.models import Initiative, Neighbourhood
from .directory import DirectoryFilter, PersonDetails, email_taken, normalise_email
from .import_columns import FIELDS, MAX_MAPPED_COLUMNS, missing_columns
from .models import ContactRole, Department, Person, PersonKind


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def department_choices(empty_label) -> list:
    rows = db.session.scalars(db.select(Department).order_by(Department.name))
    return choice_list([("", empty_label)] + [(str(d.id), d.name) for d in rows])


def initiative_choices(empty_label=None) -> list:
    rows = db.session.scalars(db.select(Initiative).order_by(Initiative.name))
    pairs = [(str(i.id), i.name) for i in rows]
    return choice_list(([("", empty_label)] if empty_label else []) + pairs)


def neighbourhood_choices(empty_label) -> list:
    rows = db.session.scalars(db.select(Neighbourhood).order_by(Neighbourhood.name))
    return choice_list([("", empty_label)] + [(str(n.id), n.name) for n in rows])


class PersonForm(Form):
    name = StringField(
        _l("Naam"),
        filters=[_strip],
        validators=[DataRequired(_l("Vul de naam in.")), Length(max=200)],
    )
    email = EmailField(
        _l("E-mailadres"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Vul het e-mailadres in.")),
            mail_address,
            Length(max=254),
        ],
    )
    kind = RadioField(
        _l("Soort"),
        choices=choice_list(PersonKind.choices()),
        validators=[DataRequired(_l("Kies of dit een collega of een bewoner is."))],
    )
    department_id = SelectField(_l("Afdeling"), choices=[], validators=[Optional()])
    new_department = StringField(
        _l("Of een nieuwe afdeling"),
        description=_l("Staat de afdeling er niet bij? Typ dan hier de naam."),
        filters=[_strip],
        validators=[Optional(), Length(max=120)],
    )
    contact_role = RadioField(
        _l("Rol"),
        choices=choice_list(ContactRole.choices()),
        description=_l(
            "Contactrol: ontmoet bewonersinitiatieven dagelijks (contactambtenaar, wijkmanager). "
            "Kantoor: werkt vooral binnen, zoals bij vergunningen, beleid of financiën."
        ),
        validators=[Optional()],
    )
    initiatives = MultiCheckboxField(_l("Bewonersinitiatieven"), choices=[])
    locale = RadioField(
        _l("Taal van e-mails en agenda-afspraken"),
        choices=[],
        default="nl",
        description=_l("Uitnodigingen, herinneringen, bevestigingen en agendalinks krijgt deze persoon in deze taal."),
        validators=[DataRequired(_l("Kies de taal waarin deze persoon e-mail krijgt."))],
    )
    submit = SubmitField(_l("Opslaan"))

    def __init__(self, *args, person: Person | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.locale.choices = choice_list(language_choices())
        self.department_id.choices = department_choices(_("— kies een afdeling —"))
        self.initiatives.choices = initiative_choices()

    def validate_email(self, field) -> None:
        if field.data and email_taken(field.data, self.person.id if self.person else None):
            raise ValidationError(_("Er staat al iemand met dit e-mailadres in het adresboek."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.kind.data == PersonKind.STAFF.value:
            if not self.department_id.data and not self.new_department.data:
                add_error(self.department_id, _("Kies de afdeling van deze collega, of typ een nieuwe."))
                ok = False
            if not self.contact_role.data:
                add_error(self.contact_role, _("Kies of deze collega een contactrol heeft of op kantoor werkt."))
                ok = False
        elif self.kind.data == PersonKind.RESIDENT.value and not self.initiatives.data:
            add_error(self.initiatives, _("Kies minstens één bewonersinitiatief voor deze bewoner."))
            ok = False
        return ok

    def details(self) -> PersonDetails:
        kind = PersonKind(self.kind.data)
        staff = kind == PersonKind.STAFF
        return PersonDetails(
            name=required(self.name.data),
            email=normalise_email(required(self.email.data)),
            kind=kind,
            department_id=record_id(self.department_id.data) if staff and self.department_id.data else None,
            new_department=(self.new_department.data or "") if staff else "",
            contact_role=ContactRole(self.contact_role.data) if staff else None,
            initiative_ids=[record_id(i) for i in self.initiatives.data or []],
            locale=self.locale.data or "nl",
        )


STATUS_CHOICES = (("", _l("Iedereen")), ("actief", _l("Actief")), ("inactief", _l("Niet actief")))


class DirectoryFilterForm(Form):
    """The directory's search and filters, read from the query string (a GET form: no CSRF needed)."""

    class Meta:
        csrf = False

    zoek = SearchField(_l("Zoek op naam of e-mailadres"), filters=[_strip], validators=[Optional(), Length(max=100)])
    soort = SelectField(_l("Soort"), choices=[], validators=[Optional()])
    afdeling = SelectField(_l("Afdeling"), choices=[], validators=[Optional()])
    rol = SelectField(_l("Rol"), choices=[], validators=[Optional()])
    wijk = SelectField(_l("Wijk"), choices=[], validators=[Optional()])
    initiatief = SelectField(_l("Bewonersinitiatief"), choices=[], validators=[Optional()])
    status = SelectField(_l("Status"), choices=[], validators=[Optional()])

    def __init__(self, formdata, *, with_status: bool = True, **kwargs):
        super().__init__(formdata, **kwargs)
        everyone = _("Alle")
        self.soort.choices = choice_list([("", everyone), *PersonKind.choices()])
        self.afdeling.choices = department_choices(_("Alle afdelingen"))
        self.rol.choices = choice_list([("", everyone), *ContactRole.choices()])
        self.wijk.choices = neighbourhood_choices(_("Alle wijken"))
        self.initiatief.choices = initiative_choices(_("Alle initiatieven"))
        self.status.choices = choice_list(STATUS_CHOICES)
        if not with_status:
            del self.status

    def to_filter(self) -> DirectoryFilter:
        """The filters that were valid; a value that is not one of the choices is ignored."""
        self.validate()

        def value(f):
            # Optional() lets a blank value (" ") through without the choice check: blank means no filter.
            return f.data if isinstance(f.data, str) and f.data.strip() and not f.errors else None

        status = value(self.status) if "status" in self else None
        return DirectoryFilter(
            text=value(self.zoek) or "",
            kind=PersonKind(value(self.soort)) if value(self.soort) else None,
            department_id=record_id(value(self.afdeling)) if value(self.afdeling) else None,
            role=ContactRole(value(self.rol)) if value(self.rol) else None,
            neighbourhood_id=record_id(value(self.wijk)) if value(self.wijk) else None,
            initiative_id=record_id(value(self.initiatief)) if value(self.initiatief) else None,
            active={"actief": True, "inactief": False}.get(status) if status else None,
        )

    def is_filtered(self) -> bool:
        return any(f.data for f in self)

    def query_args(self) -> dict[str, str]:
        """The current filters, for links (pagination, export)."""
        return {f.name: f.data for f in self if f.data}


SYNC_CHOICES = (
    ("none", _l("Niets: alleen nieuwe mensen toevoegen en bestaande bijwerken")),
    ("kind", _l("Op niet actief zetten: iedereen van de soort hierboven die niet in het bestand staat")),
    ("departments", _l("Op niet actief zetten, alleen binnen de afdelingen die in het bestand staan")),
)

#: The form's sync choice -> PersonImport.sync_scope.
SYNC_SCOPES = {"none": "", "kind": "kind", "departments": "departments"}


class ImportUploadForm(Form):
    file = FileField(
        _l("Bestand (CSV of Excel)"),
        description=_l(
            "Eén persoon per regel; de eerste regel bevat de kolomnamen. Een CSV-bestand (puntkomma, komma of tab) "
            "of een Excel-werkmap (.xlsx)."
        ),
        validators=[FileRequired(_l("Kies een bestand."))],
    )
    sheet = StringField(
        _l("Werkblad (alleen bij Excel)"),
        description=_l("Leeg laten voor het eerste werkblad."),
        filters=[_strip],
        validators=[Optional(), Length(max=100)],
    )
    default_kind = RadioField(
        _l("Soort als het bestand die niet noemt"),
        description=_l("Een export van personeelszaken heeft meestal geen kolom soort."),
        choices=choice_list(PersonKind.choices()),
        default=PersonKind.STAFF.value,
        validators=[DataRequired(_l("Kies collega of bewoner."))],
    )
    default_role = RadioField(
        _l("Rol van een nieuwe collega als het bestand die niet noemt"),
        description=_l("Wie al in het adresboek staat, houdt zijn of haar rol."),
        choices=choice_list(ContactRole.choices()),
        default=ContactRole.OFFICE.value,
        validators=[DataRequired(_l("Kies een rol."))],
    )
    sync = RadioField(
        _l("Wie niet in het bestand staat"),
        choices=choice_list(SYNC_CHOICES),
        default="none",
        validators=[DataRequired(_l("Kies wat er gebeurt met wie niet in het bestand staat."))],
    )
    submit = SubmitField(_l("Bestand controleren"))


def mapping_form(header: list[str], columns: list[str], samples: list[list[str]]) -> Form:
    """The mapping step: one choice per column of the file (the first MAX_MAPPED_COLUMNS), preset to what is known.

    Each field's description shows the column's first values, so the organiser sees what the column holds.
    """

    class MappingForm(Form):
        submit = SubmitField(_l("Kolommen opslaan en verder"))

        def validate(self, extra_validators=None) -> bool:
            ok = super().validate(extra_validators)
            seen: dict[str, Field] = {}
            for field in self.column_fields:
                if field.data and field.data in seen:
                    other = seen[field.data].label.text
                    add_error(field, _("Deze keuze staat al bij de kolom '%(name)s'.", name=other))
                    ok = False
                elif field.data:
                    seen[field.data] = field
            missing = missing_columns(list(seen))
            if missing and ok:
                add_error(self.column_fields[0], _("Kies ook %(missing)s.", missing="; ".join(missing)))
                ok = False
            return ok

        @property
        def column_fields(self) -> list[Field]:
            return [self[f"kolom_{n}"] for n in range(len(header[:MAX_MAPPED_COLUMNS]))]

        def chosen(self) -> list[str]:
            return [field.data or "" for field in self.column_fields]

    choices = choice_list([("", _("Niet gebruiken")), *((key, label) for key, label in FIELDS.items())])
    for number, cell in enumerate(header[:MAX_MAPPED_COLUMNS]):
        values = [row[number] for row in samples if number < len(row) and row[number].strip()][:3]
        setattr(
            MappingForm,
            f"kolom_{number}",
            SelectField(
                cell or _("Kolom %(number)d (zonder naam)", number=number + 1),
                choices=choices,
                default=columns[number] if number < len(columns) else "",
                description=_("Bijvoorbeeld: %(values)s", values=", ".join(values)) if values else _("Leeg"),
                validators=[Optional()],
            ),
        )
    return MappingForm()


class ImportCommitForm(Form):
    """The confirmation of a preview: the counts the organiser saw (nothing happens if they changed since)."""

    expected_new = IntegerField(validators=[InputRequired(), NumberRange(min=0)])
    expected_update = IntegerField(validators=[InputRequired(), NumberRange(min=0)])
    expected_rejected = IntegerField(validators=[InputRequired(), NumberRange(min=0)])
    expected_deactivate = IntegerField(validators=[InputRequired(), NumberRange(min=0)])
    #: Set on the button that imports the good rows of a file with refused rows.
    skip_rejected = BooleanField()
