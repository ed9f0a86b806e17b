-- Per-server daily digest settings and the exactly-once record of every post.
CREATE TABLE guild_digest (
    guild_id      INTEGER PRIMARY KEY,
    channel_id    INTEGER,
    post_time     TEXT NOT NULL DEFAULT '09:00',   -- HH:MM, local to `timezone`
    timezone      TEXT NOT NULL DEFAULT 'UTC',     -- IANA name
    enabled       INTEGER NOT NULL DEFAULT 0,
    since_date    TEXT,        -- newest digest when first enabled: older ones are backlog, not posted
    broken_reason TEXT,        -- set when Discord refused (403/404): posting pauses until fixed
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE digest_posts (
    guild_id    INTEGER NOT NULL,
    date        TEXT NOT NULL,
    channel_id  INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('posting', 'done')),
    started_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    finished_at TEXT,
    PRIMARY KEY (guild_id, date)
);

-- Each message of a post, recorded as soon as Discord returned it: "header:0", "thread",
-- "card:<arxiv id>". A restart resumes after the last recorded step.
CREATE TABLE digest_post_steps (
    guild_id   INTEGER NOT NULL,
    date       TEXT NOT NULL,
    step       TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (guild_id, date, step),
    FOREIGN KEY (guild_id, date) REFERENCES digest_posts (guild_id, date) ON DELETE CASCADE
);
