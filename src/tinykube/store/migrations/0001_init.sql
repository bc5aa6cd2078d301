-- tinykube store schema 1: objects as wire JSON, the change history watches replay, counters.
-- Applied by store/sqlite.py inside one transaction together with `PRAGMA user_version = 1`.

-- One row per stored object. `attributes` holds the labels and selectable fields (JSON) so
-- selectors are evaluated without decoding `body`; `written_at` (unix seconds of the last
-- write) drives the event TTL.
CREATE TABLE objects (
    kind             TEXT    NOT NULL,
    namespace        TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    uid              TEXT    NOT NULL,
    resource_version INTEGER NOT NULL,
    written_at       REAL    NOT NULL,
    attributes       BLOB    NOT NULL,
    body             BLOB    NOT NULL
);
CREATE UNIQUE INDEX objects_by_key ON objects (kind, namespace, name);
CREATE INDEX objects_by_uid ON objects (kind, uid);
CREATE INDEX objects_by_age ON objects (kind, written_at);

-- One row per committed write, keyed by its resourceVersion (contiguous). Compacted from the
-- oldest end; counters.history_floor is the newest resourceVersion dropped.
CREATE TABLE changes (
    resource_version INTEGER PRIMARY KEY,
    kind             TEXT    NOT NULL,
    namespace        TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    type             TEXT    NOT NULL CHECK (type IN ('ADDED', 'MODIFIED', 'DELETED')),
    written_at       REAL    NOT NULL,
    attributes       BLOB    NOT NULL,
    previous         BLOB,
    body             BLOB    NOT NULL
);
CREATE INDEX changes_by_kind ON changes (kind, resource_version);
CREATE INDEX changes_by_age ON changes (written_at);

CREATE TABLE counters (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('resource_version', 0), ('history_floor', 0);
