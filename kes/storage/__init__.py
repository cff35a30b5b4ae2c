"""Where the event log lives and how events are written to it and read from it.

``settings`` maps the one setting ``KES_STORE`` onto eventsourcing's (SQLite file or PostgreSQL
URL); ``mapping`` is how events become stored JSON and come back (retired names, upcasters,
exports); ``appending`` writes a transition's events in one transaction and removes pruned
runs. The names below are what the rest of kes uses.
"""

from __future__ import annotations

from kes.storage import appending, mapping, settings

DEFAULT_STORE = settings.DEFAULT_STORE
STORE_ENV = settings.STORE_ENV
SYNCHRONOUS_ENV = settings.SYNCHRONOUS_ENV
Store = settings.Store
StoreSettingError = settings.StoreSettingError
resolve = settings.resolve
application_env = settings.application_env
JSONTranscoder = mapping.JSONTranscoder
PydanticMapper = mapping.PydanticMapper
read_event = mapping.read_event
decode_state = mapping.decode_state
export_record = mapping.export_record
stored_from_export = mapping.stored_from_export
topic_of_type = mapping.topic_of_type
appender_for = appending.appender_for
Fence = appending.Fence
FencedError = appending.FencedError
delete_aggregates = appending.delete_aggregates

__all__ = [
    "DEFAULT_STORE", "STORE_ENV", "SYNCHRONOUS_ENV", "Fence", "FencedError", "JSONTranscoder",
    "PydanticMapper",
    "Store", "StoreSettingError", "appender_for", "application_env", "decode_state",
    "delete_aggregates", "export_record", "read_event", "resolve", "stored_from_export",
    "topic_of_type",
]
