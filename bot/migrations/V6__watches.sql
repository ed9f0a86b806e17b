-- Personal watches: a member's standing queries in one server, matched against each new digest.
CREATE TABLE watches (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('words', 'author', 'like')),
    query      TEXT NOT NULL,              -- the words, the author's name, or the arXiv id
    paused     INTEGER NOT NULL DEFAULT 0,
    dm_refused INTEGER NOT NULL DEFAULT 0, -- Discord refused a DM of its matches (50007)
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    UNIQUE (guild_id, user_id, kind, query)
);
CREATE INDEX watches_member ON watches(guild_id, user_id);

-- Where a member's matches go (default: a DM) and a note owed to them (a refused DM),
-- shown with their next command.
CREATE TABLE watch_members (
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    deliver  TEXT NOT NULL DEFAULT 'dm' CHECK (deliver IN ('dm', 'thread')),
    notice   TEXT,
    PRIMARY KEY (guild_id, user_id)
);

-- One delivery per member, server and digest day: planned (the matches fixed, as JSON) before
-- anything is sent, then each message recorded as Discord returns it, then done or refused.
CREATE TABLE watch_deliveries (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    date       TEXT NOT NULL,
    deliver    TEXT NOT NULL CHECK (deliver IN ('dm', 'thread')),
    matches    TEXT NOT NULL,             -- JSON [[watch id, arxiv id, reason], ...]
    status     TEXT NOT NULL CHECK (status IN ('pending', 'done', 'refused')),
    started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (guild_id, user_id, date)
);
CREATE INDEX watch_deliveries_pending ON watch_deliveries(status) WHERE status = 'pending';

-- Digest days whose deliveries were planned (a restart plans the days it missed).
CREATE TABLE watch_planned_days (
    date TEXT PRIMARY KEY
);

-- "dm" or "thread" (the channel chosen), "message:<n>": each recorded before the next step.
CREATE TABLE watch_delivery_steps (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    date       TEXT NOT NULL,
    step       TEXT NOT NULL,
    value      INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, date, step),
    FOREIGN KEY (guild_id, user_id, date)
        REFERENCES watch_deliveries (guild_id, user_id, date) ON DELETE CASCADE
);
