-- Placeholder so that the wt-watches branch runs alone (migrations are numbered 1..n without
-- gaps); V5 belongs to votes and sessions. Delete this file when merging.
SELECT 1;
