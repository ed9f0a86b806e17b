-- Each server's reading list: a paper once per server, with who saved it and when. The
-- saver's display name is kept as it was then, so lists show it without asking Discord.
CREATE TABLE reading_list (
    guild_id      INTEGER NOT NULL,
    arxiv_id      TEXT NOT NULL,
    saved_by      INTEGER NOT NULL,          -- Discord user id
    saved_by_name TEXT NOT NULL,
    saved_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (guild_id, arxiv_id)
);
CREATE INDEX reading_list_newest ON reading_list(guild_id, saved_at);
