-- Days that are not on the calendar (a file named 2025-02-30.md, stored by older versions):
-- drop them and rebuild the papers they touched, so schedules and /today never see them.
-- (date() alone keeps 2025-02-30; a modifier makes it roll over to 2025-03-02.)
DELETE FROM digests WHERE date IS NULL OR date(date, '+0 days') IS NOT date;

DELETE FROM papers
WHERE NOT EXISTS (SELECT 1 FROM appearances a WHERE a.arxiv_id = papers.arxiv_id);

INSERT INTO papers (arxiv_id, title, authors, summary, first_date, latest_date, source)
SELECT arxiv_id, title, authors, summary, first_date, date, source FROM (
    SELECT a.*,
           MIN(a.date) OVER (PARTITION BY a.arxiv_id) AS first_date,
           ROW_NUMBER() OVER (PARTITION BY a.arxiv_id ORDER BY a.date DESC, a.digest_id DESC) AS rn
    FROM appearances a
    WHERE a.arxiv_id IN (SELECT arxiv_id FROM papers
                         WHERE date(first_date, '+0 days') IS NOT first_date
                            OR date(latest_date, '+0 days') IS NOT latest_date)
) WHERE rn = 1
ON CONFLICT (arxiv_id) DO UPDATE SET
    title = excluded.title, authors = excluded.authors, summary = excluded.summary,
    first_date = excluded.first_date, latest_date = excluded.latest_date, source = excluded.source;
