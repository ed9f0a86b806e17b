"""Paper commands: /search, /paper, /today, /author, /ask, and questions by mention.

Replies ping nobody: the client sends `AllowedMentions.none()` with every message. Bad input
raises `UserError` (in an option's transformer, see options.py, or in the command), which the
command tree's `on_error` turns into a short private reply saying what to do instead.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from .. import cards
from ..digest import PaperRecord, normalize_arxiv_id
from ..errors import UserError
from ..lookup import find_digest, find_paper
from ..replies import reply, soon
from ..search.snippets import best_sentence, highlighter
from ..views import (
    FullSummaryButton,
    Pager,
    PaperLoader,
    SimilarButton,
    send_pager,
    send_paper_card,
    send_similar,
)
from .base import PaperboyCog
from .options import CHOICES, MAX_QUERY, Date, Name, Query, Question, check_query

if TYPE_CHECKING:
    from ..app import Paperboy

log = logging.getLogger(__name__)

PER_PAGE = cards.RESULTS_PER_PAGE
LIST_PER_PAGE = 10  # /today and /author: titles per page
SEARCH_RESULTS = 25
_MENTION_RE = re.compile(r"<@!?\d+>")

_NO_ANSWER = ("I couldn't find an answer to that in the digests. Try naming the paper or the "
              "method, or use `/search`.")


def shown(text: str) -> str:
    """User text quoted back in a reply: short, escaped, pinging nobody."""
    return cards.text.truncate(text, 100)


class PapersCog(PaperboyCog):
    BUTTONS = (FullSummaryButton, SimilarButton)

    async def _load(self, arxiv_id: str) -> PaperRecord | None:
        return await self.bot.store.get_paper(arxiv_id)

    # -- /search -----------------------------------------------------------------------

    @app_commands.command(name="search", description="Search the paper digests")
    @app_commands.describe(query="Words, an arXiv id or an arXiv/Hugging Face link",
                           since="Only papers from this date on (YYYY-MM-DD)",
                           until="Only papers up to this date (YYYY-MM-DD)")
    async def search(self, interaction: discord.Interaction, query: Query,
                     since: Date | None = None, until: Date | None = None) -> None:
        hits = self.engine.search(query, limit=SEARCH_RESULTS, since=since, until=until)
        interaction.extras["results"] = len(hits)
        if not hits:  # a normal outcome (logged as 0 results), answered privately
            await interaction.response.send_message(
                f"No papers match “{shown(query)}”" + (" in those dates" if since or until else "")
                + ". Try other words, or fewer of them.", ephemeral=True)
            return
        await interaction.response.defer(thinking=True)
        terms = self.engine.query_terms(query)
        highlight = highlighter(terms)
        pages = math.ceil(len(hits) / PER_PAGE)

        async def render(index: int):
            page = hits[index * PER_PAGE:(index + 1) * PER_PAGE]
            records = {r.arxiv_id: r for r in
                       await self.bot.store.get_papers(h.arxiv_id for h in page)}
            results = [(hit, best_sentence(records[hit.arxiv_id].summary, terms)
                        if hit.arxiv_id in records else "") for hit in page]
            return cards.search_page(results, query, index + 1, pages, len(hits), highlight), page

        await send_pager(interaction, Pager(interaction.user.id, pages, render, self._load))

    # -- /paper ------------------------------------------------------------------------

    @app_commands.command(name="paper", description="One paper's full card")
    @app_commands.describe(query="An arXiv id, an arXiv/Hugging Face link, or a title")
    async def paper(self, interaction: discord.Interaction, query: Query) -> None:
        record = await soon(interaction, find_paper(self.engine, self.bot.store, query))
        interaction.extras["results"] = int(record is not None)
        if record is None:
            raise UserError(f"I don't know a paper “{shown(query)}”. Pick one of the titles "
                            "offered as you type, or try `/search` with a few of its words.")
        await send_paper_card(interaction, record, ephemeral=False)

    @paper.autocomplete("query")
    async def _paper_titles(self, interaction: discord.Interaction, current: str
                            ) -> list[app_commands.Choice[str]]:
        try:
            typed = " ".join(current[:MAX_QUERY].split())
            if not typed:
                hits = [self.engine.hit(doc) for doc in self.engine.newest_order()[:CHOICES]]
            else:
                hits = self.engine.complete_title(typed, CHOICES)
                arxiv_id = normalize_arxiv_id(typed)
                if not hits and arxiv_id:
                    found = self.engine.paper(arxiv_id)
                    hits = [found] if found else []
            return [app_commands.Choice(name=cards.autocomplete_name(h), value=h.arxiv_id)
                    for h in hits[:CHOICES]]
        except Exception:  # an autocomplete cannot show an error: offer nothing
            log.exception("paper title autocomplete failed")
            return []

    # -- /similar ----------------------------------------------------------------------

    @app_commands.command(name="similar", description="The papers most like one paper")
    @app_commands.describe(paper="An arXiv id, an arXiv/Hugging Face link, or a title")
    async def similar(self, interaction: discord.Interaction, paper: Query) -> None:
        record = await find_paper(self.engine, self.bot.store, paper)
        if record is None:
            raise UserError(f"I don't know a paper “{shown(paper)}”. Pick one of the titles "
                            "offered as you type.")
        await send_similar(interaction, record.arxiv_id)

    similar.autocomplete("paper")(_paper_titles)

    # -- /today ------------------------------------------------------------------------

    @app_commands.command(name="today", description="The newest digest, or the one for a date")
    @app_commands.describe(date="Digest date, YYYY-MM-DD (default: the newest)")
    async def today(self, interaction: discord.Interaction, date: Date | None = None) -> None:
        day, papers = await soon(interaction, find_digest(self.bot.store, date))
        interaction.extras["results"] = len(papers)
        pages = cards.today_pages(day, papers, per_page=LIST_PER_PAGE)
        await _send_list(interaction, pages, papers, self._load)

    # -- /author -----------------------------------------------------------------------

    @app_commands.command(name="author", description="A person's papers, newest first")
    @app_commands.describe(name="A name as written in the digests, or a Hugging Face user name")
    async def author(self, interaction: discord.Interaction, name: Name) -> None:
        result, hits = self.engine.author(name)
        interaction.extras["results"] = len(hits)
        if result.ambiguous:
            await interaction.response.send_message(
                embed=cards.ambiguous_author_embed(name, list(result.candidates)),
                ephemeral=True)
            return
        if not hits:
            raise UserError(f"No papers by “{shown(name)}” in the digests. "
                            "Try the surname alone, or their Hugging Face user name.")
        pages = cards.author_pages(result.name or name, hits, per_page=LIST_PER_PAGE)
        await _send_list(interaction, pages, hits, self._load)

    @author.autocomplete("name")
    async def _author_names(self, interaction: discord.Interaction, current: str
                            ) -> list[app_commands.Choice[str]]:
        try:
            names = self.engine.complete_author(" ".join(current[:MAX_QUERY].split()), CHOICES)
            return [app_commands.Choice(name=cards.button_label(n), value=n[:100])
                    for n in names[:CHOICES] if n.strip()]
        except Exception:
            log.exception("author autocomplete failed")
            return []

    # -- /ask and mentions -------------------------------------------------------------

    @app_commands.command(name="ask", description="Ask a question about the papers")
    @app_commands.describe(question="A question in plain words")
    async def ask(self, interaction: discord.Interaction, question: Question) -> None:
        embed = await soon(interaction, self.answer(question))
        interaction.extras["results"] = int(embed is not None)
        if embed is None:
            if interaction.response.is_done():  # deferred: the loading message becomes it
                await interaction.edit_original_response(content=_NO_ANSWER)
            else:
                await interaction.response.send_message(_NO_ANSWER, ephemeral=True)
            return
        await reply(interaction, embed=embed)

    async def answer(self, question: str) -> discord.Embed | None:
        """The answer card: the evidence sentence quoted, the source paper linked."""
        answer = await self.engine.ask(question, self.bot.store)
        if not answer.answer or answer.arxiv_id is None:
            return None
        if answer.kind == "list":
            found = [(self.engine.paper(line.arxiv_id), line.sentence) for line in answer.papers]
            return cards.list_answer_card(question, answer.answer,
                                          [(hit, sentence) for hit, sentence in found if hit])
        paper = self.engine.paper(answer.arxiv_id)
        # The answer is extractive: it *is* the evidence sentence, so it is shown once, quoted.
        return cards.answer_card(question, "", (answer.answer,), paper)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if message.author.bot or me is None or not _mentions(message.content, me.id):
            return
        self.bot.replies.hold()
        question = " ".join(_MENTION_RE.sub(" ", message.content).split())
        try:
            question = check_query(question, "question")
            embed = await self.answer(question)
            reply = {"embed": embed} if embed else {"content": _NO_ANSWER}
        except UserError as problem:
            reply = {"content": f"{problem} Ask me like `@{me.name} what is …?` or use `/ask`."}
        except Exception:
            log.exception("answering a mention failed")
            reply = {"content": "Something went wrong on my side while answering that."}
        try:
            await message.reply(**reply)
        except discord.HTTPException as error:
            log.warning("could not reply to a mention in channel %s: %s", message.channel.id,
                        error.status)


def _mentions(content: str, user_id: int) -> bool:
    """Whether the text mentions the user (a reply that merely pings the bot does not)."""
    return f"<@{user_id}>" in content or f"<@!{user_id}>" in content




async def _send_list(interaction: discord.Interaction, pages: list[discord.Embed],
                     papers: Sequence[cards.PaperLike], load: PaperLoader) -> None:
    """Pre-rendered list pages (one numbered line per paper) with a menu of the page's papers."""
    starts = [0]
    for page in pages:  # pages may hold fewer lines than asked when the text is long
        starts.append(starts[-1] + len((page.description or "").splitlines()))

    async def render(index: int):
        return [pages[index]], papers[starts[index]:starts[index + 1]]

    await send_pager(interaction, Pager(interaction.user.id, len(pages), render, load))


async def setup(bot: Paperboy) -> None:
    await bot.add_cog(PapersCog(bot))
