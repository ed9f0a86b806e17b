"""Paper commands: /search, /paper, /today, /author, /ask, and questions by mention."""

from __future__ import annotations

import logging
import math
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from .. import cards
from ..digest import PaperRecord, normalize_arxiv_id
from ..errors import UserError
from ..schedule import ScheduleError, parse_date
from ..search import SearchError
from ..search.snippets import best_sentence, highlighter
from ..views import NONE, Pager, send_paper_card

if TYPE_CHECKING:
    from ..app import Paperboy

log = logging.getLogger(__name__)

MAX_QUERY = 300
PER_PAGE = cards.RESULTS_PER_PAGE
SEARCH_RESULTS = 25
_MENTION_RE = re.compile(r"<@!?\d+>")


def check_query(text: str | None, what: str = "query") -> str:
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise UserError(f"The {what} is empty: type a few words, an arXiv id or a link.")
    if len(cleaned) > MAX_QUERY:
        raise UserError(f"That {what} is {len(cleaned):,} characters long; keep it under"
                       f" {MAX_QUERY} — a few distinctive words work best.")
    return cleaned


def check_date(text: str | None) -> str | None:
    try:
        return parse_date(text) if text else None
    except ScheduleError as error:
        raise UserError(str(error)) from None


class PapersCog(commands.Cog):
    def __init__(self, bot: Paperboy) -> None:
        self.bot = bot

    @property
    def engine(self):
        return self.bot.engine

    async def _load(self, arxiv_id: str) -> PaperRecord | None:
        return await self.bot.store.get_paper(arxiv_id)

    # -- /search -----------------------------------------------------------------------

    @app_commands.command(name="search", description="Search the paper digests")
    @app_commands.describe(query="Words, an arXiv id or an arXiv/Hugging Face link",
                           since="Only papers from this date on (YYYY-MM-DD)",
                           until="Only papers up to this date (YYYY-MM-DD)")
    async def search(self, interaction: discord.Interaction, query: str,
                     since: str | None = None, until: str | None = None) -> None:
        query = check_query(query)
        hits = self.engine.search(query, limit=SEARCH_RESULTS, since=check_date(since),
                                  until=check_date(until))
        interaction.extras["results"] = len(hits)
        if not hits:
            await _reply_problem(interaction, f"No papers match “{cards.text.truncate(query, 100)}”"
                                 + (" in those dates" if since or until else "")
                                 + ". Try other words, or fewer of them.")
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

        await _send_pager(interaction, Pager(interaction.user.id, pages, render, self._load))

    # -- /paper ------------------------------------------------------------------------

    @app_commands.command(name="paper", description="One paper's full card")
    @app_commands.describe(query="An arXiv id, an arXiv/Hugging Face link, or a title")
    async def paper(self, interaction: discord.Interaction, query: str) -> None:
        query = check_query(query)
        arxiv_id = normalize_arxiv_id(query)
        if arxiv_id is None:
            hits = self.engine.search(query, limit=1)
            arxiv_id = hits[0].arxiv_id if hits else None
        record = await self._load(arxiv_id) if arxiv_id else None
        interaction.extras["results"] = int(record is not None)
        if record is None:
            raise UserError(f"I don't know a paper “{cards.text.truncate(query, 100)}”. "
                           "Try `/search` with a few words from its title.")
        await send_paper_card(interaction, record, ephemeral=False)

    @paper.autocomplete("query")
    async def _paper_titles(self, interaction: discord.Interaction, current: str
                            ) -> list[app_commands.Choice[str]]:
        current = current[:MAX_QUERY]
        if not current.strip():
            hits = [self.engine.hit(doc) for doc in self.engine.newest_order()[:25]]
        else:
            hits = self.engine.complete_title(current, 25)
        return [app_commands.Choice(name=cards.autocomplete_name(h), value=h.arxiv_id)
                for h in hits[:25]]

    # -- /today ------------------------------------------------------------------------

    @app_commands.command(name="today", description="The newest digest, or the one for a date")
    @app_commands.describe(date="Digest date, YYYY-MM-DD (default: the newest)")
    async def today(self, interaction: discord.Interaction, date: str | None = None) -> None:
        day = check_date(date) or await self.bot.store.latest_digest_date()
        papers = await self.bot.store.papers_on(day) if day else []
        interaction.extras["results"] = len(papers)
        if not papers:
            newest = await self.bot.store.latest_digest_date()
            raise UserError(f"There is no digest with papers for {day}."
                           + (f" The newest is {newest}." if newest else "")
                           if day else "No digests are loaded yet.")
        await _send_list(interaction, cards.today_pages(day, papers), papers, self._load)

    # -- /author -----------------------------------------------------------------------

    @app_commands.command(name="author", description="A person's papers, newest first")
    @app_commands.describe(name="A name as written in the digests, or a Hugging Face user name")
    async def author(self, interaction: discord.Interaction, name: str) -> None:
        name = check_query(name, "name")
        result, hits = self.engine.author(name)
        interaction.extras["results"] = len(hits)
        if result.ambiguous:
            await interaction.response.send_message(
                embed=cards.ambiguous_author_embed(name, list(result.candidates)),
                ephemeral=True, allowed_mentions=NONE)
            return
        if not hits:
            raise UserError(f"No papers by “{cards.text.truncate(name, 100)}” in the digests. "
                           "Try the surname alone, or their Hugging Face user name.")
        pages = cards.author_pages(result.name or name, hits)
        await _send_list(interaction, pages, hits, self._load)

    @author.autocomplete("name")
    async def _author_names(self, interaction: discord.Interaction, current: str
                            ) -> list[app_commands.Choice[str]]:
        names = self.engine.complete_author(current[:MAX_QUERY], 25) if current.strip() else []
        return [app_commands.Choice(name=cards.button_label(n)[:100], value=n[:100])
                for n in names[:25]]

    # -- /ask and mentions -------------------------------------------------------------

    @app_commands.command(name="ask", description="Ask a question about the papers")
    @app_commands.describe(question="A question in plain words")
    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        question = check_query(question, "question")
        await interaction.response.defer(thinking=True)
        embed = await self.answer(question)
        interaction.extras["results"] = int(embed is not None)
        if embed is None:
            await interaction.followup.send(_NO_ANSWER, ephemeral=True, allowed_mentions=NONE)
            return
        await interaction.followup.send(embed=embed, allowed_mentions=NONE)

    async def answer(self, question: str) -> discord.Embed | None:
        answer = await self.engine.ask(question, self.bot.store)
        if not answer.answer or answer.arxiv_id is None:
            return None
        paper = self.engine.paper(answer.arxiv_id)
        return cards.answer_card(question, answer.answer, answer.evidence, paper)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if message.author.bot or me is None or not any(u.id == me.id for u in message.mentions):
            return
        question = " ".join(_MENTION_RE.sub(" ", message.content).split())
        try:
            question = check_query(question, "question")
            embed = await self.answer(question)
            reply = {"embed": embed} if embed else {"content": _NO_ANSWER}
        except (UserError, SearchError) as problem:
            reply = {"content": f"{problem} Ask me like `@{me.name} what is …?` or use `/ask`."}
        except Exception:
            log.exception("answering a mention failed")
            reply = {"content": "Something went wrong on my side while answering that."}
        try:
            await message.reply(**reply, mention_author=False, allowed_mentions=NONE)
        except discord.HTTPException as error:
            log.warning("could not reply to a mention in channel %s: %s", message.channel.id,
                        error.status)


_NO_ANSWER = ("I couldn't find an answer to that in the digests. Try naming the paper or the "
              "method, or use `/search`.")


async def _reply_problem(interaction: discord.Interaction, text: str) -> None:
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NONE)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NONE)


async def _send_pager(interaction: discord.Interaction, pager: Pager) -> None:
    embeds = await pager.first_page()
    if interaction.response.is_done():
        pager.message = await interaction.followup.send(embeds=embeds, view=pager,
                                                        allowed_mentions=NONE, wait=True)
    else:
        await interaction.response.send_message(embeds=embeds, view=pager,
                                                allowed_mentions=NONE)
        pager.message = await interaction.original_response()


async def _send_list(interaction: discord.Interaction, pages: list[discord.Embed],
                     papers, load) -> None:
    """Pre-rendered list pages with a paper menu (the menu offers the page's papers)."""
    per_page = math.ceil(len(papers) / len(pages))

    async def render(index: int):
        return [pages[index]], papers[index * per_page:(index + 1) * per_page]

    await _send_pager(interaction, Pager(interaction.user.id, len(pages), render, load))


async def setup(bot: Paperboy) -> None:
    await bot.add_cog(PapersCog(bot))
