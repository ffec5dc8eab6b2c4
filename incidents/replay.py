"""What a room connection replays: the items after a seq, encoded in the connection's language,
read together for the connections that ask for the same stretch at the same moment (a room
resuming after a restart is hundreds of connections asking at once: portal.ws.batch)."""

from django.utils import translation

from portal.ws.batch import Batched

from . import admission, events, selectors

BACKLOG_BATCH = 500


def _encoded_items(incident_id: int, *, after: int, upto: int | None = None, language: str) -> list[tuple[int, str]]:
    items = selectors.items_between(incident_id, after=after, upto=upto, limit=BACKLOG_BATCH)
    with translation.override(language):  # system lines in the connection's language
        return [(item.seq, events.encode(events.item_frame(item))) for item in items]


def backlogs_for(key: tuple[int, int, int | None, str], connections: list) -> list[list[tuple[int, str]]]:
    incident_id, after, upto, language = key
    items = _encoded_items(incident_id, after=after, upto=upto, language=language)
    return [items] * len(connections)


# Connections replaying the same stretch together (a room resuming after a restart) share one read.
backlogs = Batched(backlogs_for)


def resumes_for(key: tuple[int, int, str], connections: list) -> list[tuple[int, list[tuple[int, str]]]]:
    incident_id, after, language = key
    # The room's last seq first: an item committed after this read reaches the connection
    # through its hub (it subscribed before), so a client claiming more than exists is held
    # to what existed then, never past an item it has not had.
    current = selectors.last_seq(incident_id)
    items = _encoded_items(incident_id, after=after, language=language) if after < current else []
    return [(current, items)] * len(connections)


# A resuming connection's first trip to the database reads the room's last seq and the items it
# missed together, shared with those resuming from the same seq (a room after a restart).
resumes = Batched(resumes_for)


def entries_and_resumes_for(key: tuple[int, int, str], users: list) -> list:
    incident_id = key[0]
    entries = admission.enter_together(incident_id, users)
    if all(code is not None for _incident, code in entries):
        return [(incident, code, 0, []) for incident, code in entries]
    ((current, items),) = resumes_for(key, [None])  # read for the admitted only
    return [(incident, code, current, items) for incident, code in entries]


# Resuming into a room this process follows already: admission and the read of what was missed
# in one trip for those arriving together (consumers.IncidentRoomConsumer._enter_resuming).
entries_and_resumes = Batched(entries_and_resumes_for)
