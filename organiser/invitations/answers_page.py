"""The organiser's answers page at a municipality's size: one page of invitees at a time, searchable and
filterable by answer, in a fixed number of statements however many are invited (issue 12: 1,000 invitations).

The counts per answer and the number of failed mails are counted by the database over every invitation; only
the rows shown are loaded, with their person, department, initiatives and last mail status in one statement
each. The CSV export (organiser_pages.answers_csv) still has every invitation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func
from sqlalchemy.orm import selectinload
from wtforms import SearchField, SelectField
from wtforms.validators import Optional

from ..events.models import Event
from ..extensions import db
from ..forms import Form, Length, choice_list
from ..mail.models import OutboxKind, OutboxMessage, OutboxStatus
from ..people.models import Person, fold_for_search
from .models import Invitation, InvitationState

#: Invitees per page: a page an organiser can scan, and a fixed cost however many are invited.
PER_PAGE = 50
#: Mail whose last status the answers page shows per invitee (the invitation itself).
MAIL_KINDS = (OutboxKind.INVITATION,)


class AnswersFilterForm(Form):
    """Search by name or address and filter by answer, from the query string (a GET form: no CSRF needed)."""

    class Meta:
        csrf = False

    zoek = SearchField(_l("Zoek op naam of e-mailadres"), validators=[Optional(), Length(max=100)])
    antwoord = SelectField(_l("Antwoord"), choices=[], validators=[Optional()])

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata, **kwargs)
        self.antwoord.choices = choice_list(
            [("", _l("Alle antwoorden")), *((s.value, s.label) for s in InvitationState)]
        )
        self.validate()

    @property
    def text(self) -> str:
        value = self.zoek.data if not self.zoek.errors else ""
        return (value or "").strip()

    @property
    def state(self) -> InvitationState | None:
        value = self.antwoord.data
        return InvitationState(value) if value and not self.antwoord.errors else None

    def query_args(self) -> dict[str, str]:
        """The current search and filter, for the pagination links."""
        args = {}
        if self.text:
            args["zoek"] = self.text
        if self.state is not None:
            args["antwoord"] = self.state.value
        return args


@dataclass
class AnswersPage:
    """What the answers page shows."""

    #: Invitations per state, over every invitation of the event.
    counts: Counter
    #: How many invitees' last invitation mail failed, over every invitation.
    failed_count: int
    #: The invitations on this page (with person, department and initiatives loaded).
    page: Pagination
    #: Ids of the invitations on this page whose last invitation mail failed.
    failed: set[int]
    #: On the list (not declined) by their own sign-up, and by invitation, over every invitation.
    own_initiative: int = 0
    by_invitation: int = 0


def _latest_mail_ids(event_id: int) -> Select:
    """The id of the last invitation mail per invitation of the event."""
    return (
        db.select(func.max(OutboxMessage.id))
        .where(
            OutboxMessage.event_id == event_id,
            OutboxMessage.invitation_id.is_not(None),
            OutboxMessage.kind.in_([kind.value for kind in MAIL_KINDS]),
        )
        .group_by(OutboxMessage.invitation_id)
    )


def answers_page(event: Event, filters: AnswersFilterForm, page: int) -> AnswersPage:
    """One page of the event's invitations in answer order (state, then place on the waiting list), matching the
    search (name or address, case and accents ignored) and the chosen answer; counts over all of them."""
    counts = Counter(
        dict(
            db.session.execute(
                db.select(Invitation.state, func.count())
                .where(Invitation.event_id == event.id)
                .group_by(Invitation.state)
            ).all()
        )
    )
    on_list = [state for state in InvitationState if state != InvitationState.NO]
    origin = db.session.execute(
        db.select(Invitation.signed_up_at.is_not(None), func.count())
        .where(Invitation.event_id == event.id, Invitation.state.in_(on_list))
        .group_by(Invitation.signed_up_at.is_not(None))
    ).all()
    by_origin = {bool(signed_up): number for signed_up, number in origin}
    latest = _latest_mail_ids(event.id)
    failed_count = db.session.scalar(
        db.select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.id.in_(latest), OutboxMessage.status == OutboxStatus.FAILED)
    )
    query = (
        db.select(Invitation)
        .join(Person, Person.id == Invitation.person_id)
        .where(Invitation.event_id == event.id)
        .options(
            selectinload(Invitation.person).selectinload(Person.department),
            selectinload(Invitation.person).selectinload(Person.initiatives),
        )
        .order_by(Invitation.state, Invitation.waiting_since, Invitation.id)
    )
    if filters.text:
        escaped = fold_for_search(filters.text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Person.search_key.like(f"%{escaped}%", escape="\\"))
    if filters.state is not None:
        query = query.where(Invitation.state == filters.state)
    shown = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    ids = [invitation.id for invitation in shown.items]
    failed: set[int] = set()
    if ids and failed_count:
        failed = set(
            db.session.scalars(
                db.select(OutboxMessage.invitation_id).where(
                    OutboxMessage.id.in_(latest),
                    OutboxMessage.invitation_id.in_(ids),
                    OutboxMessage.status == OutboxStatus.FAILED,
                )
            )
        )
    return AnswersPage(
        counts=counts,
        failed_count=failed_count or 0,
        page=shown,
        failed=failed,
        own_initiative=by_origin.get(True, 0),
        by_invitation=by_origin.get(False, 0),
    )


def all_answers(event: Event) -> list[Invitation]:
    """Every invitation of the event in answer order, with person and department (the CSV export: all of them)."""
    return list(
        db.session.scalars(
            db.select(Invitation)
            .where(Invitation.event_id == event.id)
            .options(selectinload(Invitation.person).selectinload(Person.department))
            .order_by(Invitation.state, Invitation.waiting_since, Invitation.id)
        )
    )
