"""Reads Truce's feeds with libraries that did not write them: feedparser for Atom,
icalendar for iCalendar. Prints what they read as JSON, for web/tests/feeds.mjs."""

import json
import sys

kind, path = sys.argv[1], sys.argv[2]
if kind == "atom":
    import feedparser

    d = feedparser.parse(path)
    print(json.dumps({
        "bozo": bool(d.bozo),
        "version": d.version,
        "title": d.feed.get("title"),
        "entries": [
            {"id": e.id, "title": e.title, "updated": e.updated, "links": [{"href": l.href, "type": l.get("type")} for l in e.links]}
            for e in d.entries
        ],
    }))
elif kind == "ics":
    import icalendar

    with open(path, "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    print(json.dumps({
        "name": str(cal.get("X-WR-CALNAME")),
        "events": [
            {"uid": str(e["UID"]), "start": e["DTSTART"].dt.isoformat(), "summary": str(e["SUMMARY"])}
            for e in cal.walk("VEVENT")
        ],
    }))
else:
    sys.exit(f"unknown kind {kind}")
