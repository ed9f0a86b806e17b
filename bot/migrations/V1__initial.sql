-- Digest files, papers, and each paper's appearances (one per digest row).
CREATE TABLE digests (
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL UNIQUE,      -- relative to the corpus dir it was ingested from
    date        TEXT,                      -- YYYY-MM-DD from the heading (or the file name)
    sha256      TEXT NOT NULL,
    rows        INTEGER NOT NULL,
    warnings    INTEGER NOT NULL,
    ingested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX digests_date ON digests(date);

-- The canonical record of a paper: the fields of its newest appearance.
CREATE TABLE papers (
    arxiv_id    TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    authors     TEXT NOT NULL,             -- JSON array of names as written
    summary     TEXT NOT NULL,
    first_date  TEXT NOT NULL,
    latest_date TEXT NOT NULL,
    source      TEXT NOT NULL              -- file:line of the newest appearance
);
CREATE INDEX papers_latest_date ON papers(latest_date);

CREATE TABLE appearances (
    digest_id INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,
    arxiv_id  TEXT NOT NULL,
    date      TEXT NOT NULL,
    position  INTEGER NOT NULL,            -- row order within the digest
    title     TEXT NOT NULL,
    authors   TEXT NOT NULL,
    summary   TEXT NOT NULL,
    source    TEXT NOT NULL,
    PRIMARY KEY (digest_id, arxiv_id)
);
CREATE INDEX appearances_paper ON appearances(arxiv_id, date);
CREATE INDEX appearances_date ON appearances(date, position);

-- Small key/value settings (e.g. the hash of the last synced command tree).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
