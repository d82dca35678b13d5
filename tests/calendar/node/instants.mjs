// Read an iCalendar file on stdin; print, as JSON, the instants (UTC, ISO 8601) of every VEVENT as two independent
// JavaScript parsers compute them: ical.js (Thunderbird's) and node-ical. The Python test compares them.
import ICAL from "ical.js";
import ical from "node-ical";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const text = Buffer.concat(chunks).toString("utf8");

const icaljs = {};
const root = new ICAL.Component(ICAL.parse(text));
for (const timezone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(timezone);
}
for (const vevent of root.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  icaljs[event.uid] = [event.startDate.toJSDate().toISOString(), event.endDate.toJSDate().toISOString()];
}

const nodeical = {};
for (const item of Object.values(ical.sync.parseICS(text))) {
  if (item.type !== "VEVENT") continue;
  nodeical[item.uid] = [new Date(item.start).toISOString(), new Date(item.end).toISOString()];
}

process.stdout.write(JSON.stringify({ "ical.js": icaljs, "node-ical": nodeical }));
