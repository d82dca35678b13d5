"""The make-up of a guest list against the event's target mix."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import func

from ..events.models import Event
from ..extensions import db
from ..i18n import percent_below, percent_text
from ..people.models import ContactRole, Department, Person, PersonKind, person_initiative
from ..places.models import Initiative
from .guest_list import ON_LIST_STATES
from .models import Invitation, InvitationState


@dataclass(frozen=True)
class MixRow:
    """One line of the mix: how many, and their share of the colleagues."""

    label: str
    count: int
    total: int

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0

    @property
    def percent(self) -> str:
        """The share in whole percent, rounded half up like every share in the app (1 of 6: 17%)."""
        return percent_text(Fraction(self.count, self.total)) if self.total else "–"


@dataclass
class HostRepresentation:
    """A host initiative and how many of its residents are on the list."""

    initiative: Initiative
    residents: int


@dataclass
class Mix:
    """The make-up of (part of) a guest list: colleagues by role and department, residents, host initiatives."""

    states: frozenset[InvitationState]
    staff: int
    residents: int
    office: int
    frontline: int
    by_role: list[MixRow]
    by_department: list[MixRow]
    hosts: list[HostRepresentation]

    @property
    def office_share(self) -> float | None:
        """Share of office-bound colleagues among the colleagues; None without colleagues."""
        return self.office / self.staff if self.staff else None


def mix_for(event: Event, states: Iterable[InvitationState]) -> Mix:
    """The mix of the people on the event's list in the given states (two grouped queries)."""
    states = frozenset(states)
    rows = db.session.execute(
        db.select(Person.kind, Person.contact_role, Department.name, func.count())
        .select_from(Invitation)
        .join(Person, Person.id == Invitation.person_id)
        .outerjoin(Department, Department.id == Person.department_id)
        .where(Invitation.event_id == event.id, Invitation.state.in_(states))
        .group_by(Person.kind, Person.contact_role, Department.name)
    ).all()
    staff = residents = office = frontline = 0
    departments: dict[str, int] = {}
    for kind, role, department, count in rows:
        if kind == PersonKind.RESIDENT:
            residents += count
            continue
        staff += count
        if role == ContactRole.OFFICE:
            office += count
        elif role == ContactRole.FRONTLINE:
            frontline += count
        name = department or _("Afdeling onbekend")
        departments[name] = departments.get(name, 0) + count
    by_role = [
        MixRow(ContactRole.OFFICE.label, office, staff),
        MixRow(ContactRole.FRONTLINE.label, frontline, staff),
    ]
    by_department = [
        MixRow(name, count, staff) for name, count in sorted(departments.items(), key=lambda i: (-i[1], i[0].lower()))
    ]
    hosts = [HostRepresentation(initiative, 0) for initiative in event.host_initiatives]
    if hosts:
        counts = dict(
            db.session.execute(
                db.select(person_initiative.c.initiative_id, func.count(func.distinct(Person.id)))
                .select_from(Invitation)
                .join(Person, Person.id == Invitation.person_id)
                .join(person_initiative, person_initiative.c.person_id == Person.id)
                .where(Invitation.event_id == event.id, Invitation.state.in_(states))
                .where(Person.kind == PersonKind.RESIDENT)
                .where(person_initiative.c.initiative_id.in_([h.initiative.id for h in hosts]))
                .group_by(person_initiative.c.initiative_id)
            ).all()
        )
        for host in hosts:
            host.residents = counts.get(host.initiative.id, 0)
    return Mix(states, staff, residents, office, frontline, by_role, by_department, hosts)


def mix_shortfalls(event: Event, listed: Mix | None = None) -> list[str]:
    """Where the guest list falls short of the event's target mix, in plain Dutch; empty when it does not.
    `listed`: mix_for(event, ON_LIST_STATES) when the page has it already (else read here).

    The target: at least `event.min_office_share` percent of the colleagues work in an office, at least one
    colleague has a frontline contact role, and every host initiative has a resident on the list. Those who
    declined do not count (see ON_LIST_STATES).
    """
    mix = listed if listed is not None else mix_for(event, ON_LIST_STATES)
    if mix.states != frozenset(ON_LIST_STATES):
        raise ValueError("mix_shortfalls judges the mix of those on the list (ON_LIST_STATES)")
    target = event.min_office_share
    shortfalls: list[str] = []
    if mix.staff == 0:
        if target > 0:
            shortfalls.append(
                _(
                    "Er staan nog geen collega's op de lijst; het doel is dat minstens %(target)d%% van hen "
                    "op kantoor werkt.",
                    target=target,
                )
            )
    elif mix.office * 100 < target * mix.staff:
        shortfalls.append(
            _(
                "Maar %(share)s%% van de uitgenodigde collega's werkt op kantoor; het doel is minstens %(target)d%%.",
                share=percent_below(Fraction(mix.office, mix.staff), target),
                target=target,
            )
        )
    if mix.frontline == 0:
        shortfalls.append(_("Er is nog geen collega met een contactrol (frontlinie) uitgenodigd."))
    for host in mix.hosts:
        if host.residents == 0:
            shortfalls.append(_("Bewonersinitiatief %(name)s is nog niet vertegenwoordigd.", name=host.initiative.name))
    return shortfalls
