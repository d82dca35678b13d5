"""The one seam between domains: signals a lower domain sends and a higher one receives.

Domains depend one way (places < events < people < invitations < followup < teams/calendar/reach; see the import
contract in `.importlinter`). When a change in a lower domain must have an effect in a higher one — a
cancelled event must notify its invitees, a deleted person must give up their seats, a late "yes" must be
placed in a team — the lower domain sends one of these signals and the higher domain's receiver does the
work. Receivers are connected in one explicit list (`connect_receivers`, called by `create_app`), never by
importing upwards or by "if the module exists".

Every receiver runs inside the sender's transaction: it flushes and never commits, exactly like the service
that sent the signal, so the whole effect is committed (or rolled back) once by the request or command.
Signals are sent with the sender object as the first argument and keyword arguments as documented on each.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: events → an event's date, time or place changed; kwargs: changes (dict field -> (old, new)).
#: Receivers return the number of notices queued (the sender may sum them for the organiser's message).
event_changed = _signals.signal("event-changed")

#: events → the route of a published event changed (a stop added, changed, removed or moved); SEQUENCE is raised.
route_changed = _signals.signal("route-changed")

#: events → an event was cancelled; kwargs: reason (str, may be empty). Receivers return a count as above.
event_cancelled = _signals.signal("event-cancelled")

#: events → seats were freed without anyone leaving (capacity raised); receivers may promote from the
#: waiting list under the event's row lock.
seats_freed = _signals.signal("seats-freed")

#: events → an event was copied (or repeated in a series) and its guest list should come along; kwargs: copy (the
#: new Event). Receivers put the source's guests but those who declined on the copy's list, unsent, and return
#: how many they put there.
event_copied = _signals.signal("event-copied")

#: events → an event was copied (or repeated in a series), with or without its guests; kwargs: copy (the new Event,
#: flushed). Receivers give the copy what their domain keeps as the event's settings (the follow-up's switch,
#: days open and texts).
event_settings_copied = _signals.signal("event-settings-copied")

#: events → may this draft be deleted? Receivers return a list of sentences saying what of it was already sent
#: (empty: nothing); one sentence refuses the deletion.
event_deletion_requested = _signals.signal("event-deletion-requested")

#: events → a draft is about to be deleted (nothing of it was sent); receivers delete what their domain keeps of
#: it (guest list, links, teams, stored calendar entries) before the event row goes.
event_deleting = _signals.signal("event-deleting")

#: people → a person is being erased (anonymised); receivers release what the person holds (seats, links).
#: kwargs: now (aware UTC datetime).
person_erased = _signals.signal("person-erased")

#: invitations → an invitee asks what is stored about them (the "my data" page and its download); sent with the
#: person. Receivers return a list of (title, [(label, value), …]) sections about what their domain keeps.
personal_data_requested = _signals.signal("personal-data-requested")

#: events → the public event page is shown (sent with the event). Receivers return a (template name, context dict)
#: for a section of their domain on it, or None (invitations: the sign-up form, or "by invitation only").
event_page_sections = _signals.signal("event-page-sections")

#: invitations → the invitee's RSVP page is shown (sent with the invitation). Receivers return a (template name,
#: context dict) for a section of their domain on it, or None (followup: the link to the questions after the event).
rsvp_page_sections = _signals.signal("rsvp-page-sections")

#: invitations → an invitation now holds a place at the event (yes, or promoted from the waiting list).
invitation_joined = _signals.signal("invitation-joined")

#: invitations → an invitation no longer holds a place (no, withdrawn, erased, moved to the waiting list).
invitation_left = _signals.signal("invitation-left")

#: inbox → a message arrived in the reply mailbox (sender: the inbox.messages.IncomingMessage, read and
#: classified); kwargs: now. The receiver that understands it returns an inbox.recording.InboxResult; the
#: inbox records that result with the message, in the same transaction.
inbox_message_received = _signals.signal("inbox-message-received")

#: mail → the mail pages ask which events' mail an organiser (not an admin) may see; sent with the organiser.
#: The one receiver returns a SELECT of those event ids (mail is infrastructure and imports no domain).
outbox_events_visible = _signals.signal("outbox-events-visible")

#: mail → the mail page asks for the events its rows belong to; kwargs: event_ids (set of ints).
#: The one receiver returns {event_id: mail.outbox.EventLink(title, url)}.
outbox_events_described = _signals.signal("outbox-events-described")

#: places → may this wijk be deleted? Receivers return a list of sentences saying what in their domain
#: still refers to it (empty: nothing).
neighbourhood_in_use = _signals.signal("neighbourhood-in-use")

#: places → may this initiative be deleted? Receivers return sentences as for neighbourhood_in_use.
initiative_in_use = _signals.signal("initiative-in-use")

#: places → the wijken overview is being shown; kwargs: rows (dict id -> places.neighbourhoods.NeighbourhoodRow).
#: Receivers fill in what their domain counts (events) in one query.
neighbourhoods_listed = _signals.signal("neighbourhoods-listed")

#: places → the initiatives overview is being shown; kwargs: rows (dict id -> places.initiatives.InitiativeRow),
#: neighbourhood_id (int or None: the one wijk shown). Receivers fill in residents (people) and events (events).
initiatives_listed = _signals.signal("initiatives-listed")

#: people → the person page asks which guest lists the person was on. The receiver (invitations) returns a list
#: of rows with .event, .answer (text) and .attended (True, False or None), latest event first.
person_invitations = _signals.signal("person-invitations")

#: accounts → an account was switched off; receivers hand its work over. kwargs: successor (an Organiser who
#: takes over, or None). Receivers return the number of events handed over.
account_deactivated = _signals.signal("account-deactivated")

#: people → someone is about to change a person in a way that reaches their invitations (change: "email",
#: "deactivate", "delete", "feed_link"); kwargs: account (the Organiser making it), change. A receiver returns
#: a refusal (a sentence for the user, naming whom to ask) or None; one refusal stops the change.
person_change_requested = _signals.signal("person-change-requested")

#: people → a person's e-mail address changed; receivers make the links sent to the old address stop working
#: (and send new ones to the new address). kwargs: old_email (str).
person_email_changed = _signals.signal("person-email-changed")

#: invitations → an invitee's answer was recorded (web page, calendar app, organiser; after any promotions). Sent
#: with the invitation; kwargs: outcome (answers.AnswerOutcome: the state before and after, the place in line, who
#: was promoted), source (AnswerSource), became_full (this answer took the last seat), now.
answer_recorded = _signals.signal("answer-recorded")

#: invitations → an answer is about to be recorded (sent with the invitation, before the event's lock is taken):
#: receivers look up what they will need once it is recorded, so that nothing is looked up under the lock.
answer_pending = _signals.signal("answer-pending")

#: invitations → mail to an invitee came back undeliverable (a bounce in the reply mailbox, about that invitation's
#: mail); sent with the invitation; kwargs: reason (the receiving server's words, may be empty), now.
invitee_mail_bounced = _signals.signal("invitee-mail-bounced")
