"""The real upstream corpus (../shared/corpus-real) lands whole; skipped when absent."""

from __future__ import annotations

from pathlib import Path

from bot.corpus.ingest import ingest_directory
from bot.store import Store


async def test_real_corpus_counts_and_idempotence(real_corpus: Path, db_path: Path):
    async with await Store.open(db_path) as store:
        report = await ingest_directory(store, real_corpus)
        assert report.warnings == []
        assert (await store.stats()).as_dict() == {
            "digests": 300, "papers": 4894, "appearances": 4904,
            "first_date": "2024-09-05", "latest_date": "2025-10-30",
            # Upstream wrote these weekdays as a heading and an empty table.
            "incomplete_days": [{"date": day, "expected": 0, "parsed": 0} for day in (
                "2025-10-15", "2025-10-16", "2025-10-17", "2025-10-20", "2025-10-21",
                "2025-10-22", "2025-10-23")],
        }
        again = await ingest_directory(store, real_corpus)
        assert (again.new, again.changed, again.unchanged) == (0, 0, 300)
        assert (await store.stats()).papers == 4894

        # Hand-checked rows: wrapped over two lines (2025/03/31.md:7-8) and the 4-column form.
        wrapped = await store.get_paper("2503.19693")
        assert wrapped.title == (
            "AdaptiVocab: Enhancing LLM Efficiency in Focused Domains through "
            "Lightweight Vocabulary Adaptation"
        )
        assert wrapped.authors[0] == "Roi Reichart" and wrapped.source == "2025/03/31.md:7"
        old = await store.get_paper("2409.02889")
        assert old.title == (
            "LongLLaVA: Scaling Multi-modal LLMs to 1000 Images Efficiently via Hybrid Architecture"
        )
        assert old.authors == ("Benyou Wang", "Chen Zhang", "Shunian Chen", "Xidong Wang", "songdj")
        assert old.summary.startswith("The paper introduces LongLLaVA")
        assert (await store.get_paper("2412.18525")).dates == ("2024-12-31", "2025-01-01")
