-- Placeholder so that the wt-watches branch runs alone (migrations are numbered 1..n without
-- gaps); V4 belongs to the reading list. Delete this file when merging.
SELECT 1;
