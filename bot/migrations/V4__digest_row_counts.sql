-- Per day, the rows of its papers table (expected) and those read as papers (parsed): a day
-- with none, or with rows that could not be read, is incomplete and fetched again. Days
-- stored by older versions count as complete until their file changes.
ALTER TABLE digests ADD COLUMN expected_rows INTEGER NOT NULL DEFAULT 0;
ALTER TABLE digests ADD COLUMN parsed_rows INTEGER NOT NULL DEFAULT 0;
UPDATE digests SET expected_rows = rows, parsed_rows = rows;
