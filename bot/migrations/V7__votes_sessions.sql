-- Votes: one per member per paper per server (the "👍" toggle on paper cards).
CREATE TABLE votes (
    guild_id INTEGER NOT NULL,
    arxiv_id TEXT NOT NULL,
    user_id  INTEGER NOT NULL,
    voted_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (guild_id, arxiv_id, user_id)
);
CREATE INDEX votes_by_time ON votes(guild_id, voted_at);
CREATE INDEX votes_by_user ON votes(user_id);

-- The next reading session's shortlist: each paper once, remembering who nominated it.
CREATE TABLE session_shortlist (
    guild_id     INTEGER NOT NULL,
    arxiv_id     TEXT NOT NULL,
    nominated_by INTEGER NOT NULL,
    nominated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (guild_id, arxiv_id)
);

-- A poll of the shortlist; `answers` is the JSON array of arXiv ids in answer order (answer
-- ids are 1-based positions). Status 'open' until a paper was picked from it.
CREATE TABLE session_polls (
    message_id INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    answers    TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'picked')),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX session_polls_guild ON session_polls(guild_id, status);

-- Each pick (by /session pick or a poll's end), recorded before its card is sent; its key
-- ("poll:<message id>" or "pick:<interaction id>") makes a repeated event a no-op, and
-- `message_id` lets a retry find the card it already sent.
CREATE TABLE session_picks (
    guild_id   INTEGER NOT NULL,
    pick_key   TEXT NOT NULL,
    arxiv_id   TEXT NOT NULL,
    channel_id INTEGER NOT NULL,
    picked_by  INTEGER,
    message_id INTEGER,
    picked_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (guild_id, pick_key)
);

-- Discussion threads opened on a paper's card, so that "Discuss" reuses them.
CREATE TABLE discussion_threads (
    guild_id   INTEGER NOT NULL,
    arxiv_id   TEXT NOT NULL,
    channel_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    thread_id  INTEGER NOT NULL,
    opened_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (guild_id, message_id)
);
CREATE INDEX discussion_threads_paper ON discussion_threads(guild_id, arxiv_id);
