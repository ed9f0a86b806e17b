"""Untrusted digest text → text that is safe to show in Discord.

Every public function here takes *raw* text (from a digest or a user: it may hold markdown,
LaTeX, mentions, control characters, bidi overrides) and returns *rendered* text, ready for
Discord. There are two kinds of surface:

* markdown surfaces (embed title and description, field name and value, message content):
  markdown is escaped with a backslash, so Discord shows exactly the characters of the digest;
* plain surfaces (embed author and footer, select options, button labels, autocomplete
  choices): Discord shows them verbatim, a backslash would be visible, so nothing is escaped.

Both break mentions with a zero-width space (`@​everyone`, `<​@123>`): embeds never ping, but
user, role and channel mentions do *resolve* in descriptions, and text gets copied.

Lengths are counted like discord.py does (code points). Escaping adds characters, so text
is escaped first and then cut, never in the middle of an escape sequence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ..digest.clean import sentence_ends

ELLIPSIS = "…"
ZWSP = "\u200b"

# --- normalisation -------------------------------------------------------------------------

_NEWLINE_RE = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_CONTROL_SPACE_RE = re.compile(r"[\t\x0b\x0c\x1c-\x1f]")
# Control (Cc), format (Cf) and surrogate (Cs) characters, except "\n", "\t" (handled above)
# and ZWNJ/ZWJ (needed by some scripts and emoji). Format characters include the zero-width
# space and joiner, soft hyphen, BOM and the bidi overrides that would reorder a title.
_INVISIBLE_RE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
_SPACES_RE = re.compile(r"[^\S\n]+")
_LINE_EDGE_RE = re.compile(r" ?\n ?")
_BLANK_LINES_RE = re.compile(r"\n{3,}")

# --- readable LaTeX --------------------------------------------------------------------------

# Characters with a Unicode superscript/subscript form (no "*": FaSTA^* stays as it is).
_SUPERSCRIPT = dict(
    zip(
        "0123456789+-=()nijklmoprstuvwxyzabcdefghABDEGHIJKLMNOPRTUVW",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻᵃᵇᶜᵈᵉᶠᵍʰᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ",
        strict=True,
    )
)
_SUBSCRIPT = dict(
    zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True)
)
_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ",
    "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ",
    "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ",
    "Omega": "Ω", "times": "×", "cdot": "·", "infty": "∞", "leq": "≤", "le": "≤", "geq": "≥",
    "ge": "≥", "neq": "≠", "approx": "≈", "pm": "±", "to": "→", "rightarrow": "→",
    "leftarrow": "←", "Rightarrow": "⇒", "ell": "ℓ", "star": "⋆", "circ": "∘", "sim": "∼",
    "in": "∈", "sum": "∑", "prod": "∏", "partial": "∂", "nabla": "∇", "dots": "…",
    "ldots": "…", "cdots": "⋯",
}
# \text{X}, \textbf{X}, \mathcal{X}, … → X
_FONT_COMMAND_RE = re.compile(
    r"\\(?:text(?:bf|it|rm|tt|sc|sf)?|math(?:rm|bf|it|cal|bb|sf|tt|frak)|boldsymbol|emph"
    r"|operatorname)\s*\{([^{}]*)\}"
)
_SYMBOL_RE = re.compile(r"\\([A-Za-z]+)(?![A-Za-z])")
# Inline math: "$…$" without spaces just inside the dollars (so "$5 and $10" is money).
_MATH_RE = re.compile(r"(?<![$\\])\$([^$\s](?:[^$\n]{0,58}[^$\s\\])?)\$(?!\$)")
_SUP_RE = re.compile(r"\^\{([^{}]{1,12})\}|\^(\d+|[A-Za-z](?![A-Za-z]))")
_SUB_RE = re.compile(r"_\{([^{}]{1,12})\}|_(\d+|[A-Za-z](?![A-Za-z]))")
_HTML_SCRIPT_RE = re.compile(r"<(sup|sub)>([^<>]{1,40})</\1>", re.IGNORECASE)
_LATEX_ESCAPE_RE = re.compile(r"\\([%&#_$])")


def _scripted(text: str, table: dict[str, str]) -> str | None:
    """`text` in super/subscript characters, or None if one of them has no such form."""
    if all(char in table for char in text):
        return "".join(table[char] for char in text)
    return None


def _latex_commands(text: str, *, symbols: bool) -> str:
    """Font commands anywhere; symbols (`\\times`, `\\alpha`) only inside maths."""
    text = _FONT_COMMAND_RE.sub(r"\1", text)
    if symbols:
        text = _SYMBOL_RE.sub(lambda m: _SYMBOLS.get(m.group(1), m.group(0)), text)
    return text


def _superscripts(text: str) -> str:
    return _SUP_RE.sub(
        lambda m: _scripted(m.group(1) or m.group(2), _SUPERSCRIPT) or m.group(0), text
    )


def _math(match: re.Match[str]) -> str:
    inner = match.group(1)
    # "$γ-$", "$nσ$", "$f$", "$^2$" are maths; "$5-$" and "$1 or $" (money) are not.
    if not re.search(r"[\\^_{}]", inner) and (
        len(inner) > 12 or inner[0].isdigit() or " " in inner
    ):
        return match.group(0)
    inner = _superscripts(_latex_commands(inner, symbols=True))
    return _SUB_RE.sub(
        lambda m: _scripted(m.group(1) or m.group(2), _SUBSCRIPT) or m.group(0), inner
    )


def _html_script(match: re.Match[str]) -> str:
    sup = match.group(1).lower() == "sup"
    inner = match.group(2)
    scripted = _scripted(inner, _SUPERSCRIPT if sup else _SUBSCRIPT)
    if scripted is not None:
        return scripted
    mark = "^" if sup else "_"
    return f"{mark}{inner}" if len(inner) == 1 else f"{mark}({inner})"


def readable_latex(text: str) -> str:
    """Inline LaTeX as Unicode: `L$^2$M` → `L²M`, `LLM$\\times$MapReduce` → `LLM×MapReduce`.

    Conservative: only inline maths that looks like maths, known commands and mappable
    scripts are rewritten; anything else is left for escaping, so nothing is lost.
    """
    if "\\" in text:  # "\\$", "\\_", "\\%": literal characters (also markdown's "\\_")
        text = _LATEX_ESCAPE_RE.sub(r"\1", text)
    if "$" in text:
        text = _MATH_RE.sub(_math, text)
    if "\\" in text:
        text = _latex_commands(text, symbols=False)
    if "^" in text:
        text = _superscripts(text)
    if "<" in text:
        text = _HTML_SCRIPT_RE.sub(_html_script, text)
    return text


def normalize(text: str, *, multiline: bool = False) -> str:
    """Invisible and control characters removed, LaTeX made readable, whitespace collapsed.

    One-line text has every run of white space turned into one space; multi-line text keeps
    line breaks (at most one blank line in a row).
    """
    if _INVISIBLE_RE.search(text) or "\u2028" in text or "\u2029" in text:
        text = _NEWLINE_RE.sub("\n", text)
        text = _CONTROL_SPACE_RE.sub(" ", text)
        text = _INVISIBLE_RE.sub("", text)
    # Normalising twice changes nothing (the rest of a cut summary is normalised text and is
    # rendered again later), so white space is collapsed before and after LaTeX is read, and
    # LaTeX is read until nothing changes (removing "$^2$" can pair two other dollars).
    text = _collapse(text, multiline)
    for _ in range(4):
        latex = readable_latex(text)
        if latex == text:
            break
        text = _collapse(latex, multiline)
    return text


def _collapse(text: str, multiline: bool) -> str:
    if not multiline:
        return " ".join(text.split())
    text = _LINE_EDGE_RE.sub("\n", _SPACES_RE.sub(" ", text))
    return _BLANK_LINES_RE.sub("\n\n", text).strip()


# --- escaping --------------------------------------------------------------------------------

_MD_CHAR_RE = re.compile(r"[\\*_~`|\[\]]")
# Links are kept as they are (escaping "_" inside one would break it); the characters a link
# never holds here are escaped around it.
_URL_RE = re.compile(r"https?://[^\s<>|`*~\[\]()\\\"']+", re.IGNORECASE)
# Block markdown starts a line and is followed by a space: "# ", "## ", "-# ", "> ", ">>> ",
# "- ", "+ ", "1. ". Escaping its first character is enough ("\\## h2" is plain text).
_LINE_MARK_RE = re.compile(r"^([^\S\n]*)([#>+\-])(?=[#>+\-]*[^\S\n])", re.MULTILINE)
_LINE_NUMBER_RE = re.compile(r"^([^\S\n]*\d+)\.(?=[^\S\n])", re.MULTILINE)
_LINE_START_CHARS = frozenset(" #>+-0123456789")
_MENTION_RE = re.compile(r"@(?=everyone|here)|<(?=[@#/:]|a:|id:)", re.IGNORECASE)


def break_mentions(text: str) -> str:
    """A zero-width space after `@` of `@everyone`/`@here` and after `<` of `<@…>`, `<#…>`,
    `</…>`, `<:…>`: none of them can ping or resolve any more. Idempotent."""
    if "@" not in text and "<" not in text:
        return text
    return _MENTION_RE.sub(lambda m: m.group(0) + ZWSP, text)


def _escape_chars(text: str) -> str:
    return _MD_CHAR_RE.sub(r"\\\g<0>", text)


def _markup(text: str) -> str:
    """Escape normalised text for a markdown surface. Never shorter than its input, and the
    markup of a prefix is a prefix of the markup (that is what lets `_cut` search)."""
    if "http" in text:
        pieces, start = [], 0
        for match in _URL_RE.finditer(text):
            pieces.append(_escape_chars(text[start : match.start()]))
            pieces.append(match.group(0))
            start = match.end()
        pieces.append(_escape_chars(text[start:]))
        text = "".join(pieces)
    else:
        text = _escape_chars(text)
    if "\n" in text or text[:1] in _LINE_START_CHARS:
        text = _LINE_MARK_RE.sub(r"\1\\\2", text)
        text = _LINE_NUMBER_RE.sub(r"\1\\.", text)
    return break_mentions(text)


def escape(text: str, *, multiline: bool = True) -> str:
    """Raw text → text for a markdown surface: shows literally, pings nobody. No length limit."""
    return _markup(normalize(text, multiline=multiline))


def plain(text: str, *, multiline: bool = False) -> str:
    """Raw text → text for a plain surface (footer, author, labels). No length limit."""
    return break_mentions(normalize(text, multiline=multiline))


# --- cutting ---------------------------------------------------------------------------------

Render = Callable[[str], str]
_WORD_END_RE = re.compile(r"(?<=\S)\s")


def _renderer(markdown: bool) -> Render:
    return _markup if markdown else break_mentions


def _largest(candidates: list[int], fits: Callable[[int], bool]) -> int | None:
    """The largest candidate that fits (binary search: fitting is monotonic in the cut)."""
    lo, hi, best = 0, len(candidates) - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        if fits(candidates[mid]):
            best, lo = candidates[mid], mid + 1
        else:
            hi = mid - 1
    return best


def _cut(text: str, limit: int, render: Render) -> tuple[str, int]:
    """Render normalised `text` within `limit`: (shown, how many characters of text it shows).

    Cuts at a word end with "…"; at any character when the word cut would show less than
    half the limit (a 5,000-character "word" must still show something).
    """
    full = render(text)
    if len(full) <= limit:
        return full, len(text)
    if limit < 1:
        return "", 0
    budget = limit - len(ELLIPSIS)
    # Rendering never shortens, so no cut beyond `budget` characters of raw text can fit.
    window = text[: budget + 1]

    def fits(cut: int) -> bool:
        return len(render(text[:cut]).rstrip()) <= budget

    ends = [m.start() for m in _WORD_END_RE.finditer(window)]
    cut = _largest(ends, fits)
    if cut is None or len(render(text[:cut])) < limit // 2:
        cut = _largest(list(range(len(window))), fits) or 0
    shown = render(text[:cut]).rstrip()
    return shown + ELLIPSIS, cut


def truncate(text: str, limit: int, *, markdown: bool = True, multiline: bool = False) -> str:
    """Raw text → rendered text of at most `limit` characters, cut at a word end with "…".

    `markdown=False` renders for a plain surface (footer, label: no escaping).
    """
    return _cut(normalize(text, multiline=multiline), limit, _renderer(markdown))[0]


def cut_at_sentence(text: str, limit: int, *, markdown: bool = True) -> tuple[str, str]:
    """Raw text → (rendered text of at most `limit` characters, raw rest that did not fit).

    Cuts at a sentence end; falls back to a word end (with "…", and the rest then starts with
    "…") when no sentence end fits or the sentences that fit fill less than a third of the
    limit. The rest is normalised raw text ("" when everything fits): render it again to
    show it.
    """
    norm = normalize(text, multiline=True)
    render = _renderer(markdown)
    full = render(norm)
    if len(full) <= limit:
        return full, ""

    def fits(cut: int) -> bool:
        return len(render(norm[:cut]).rstrip()) <= limit

    cut = _largest([end for end in sentence_ends(norm) if end <= limit], fits)
    if cut is not None:
        shown = render(norm[:cut]).rstrip()
        if len(shown) >= limit // 3:
            return shown, norm[cut:].strip()
    shown, cut = _cut(norm, limit, render)
    rest = norm[cut:].strip()
    return shown, (ELLIPSIS + rest if cut and rest else rest)


# --- composite texts ---------------------------------------------------------------------------

_WORD_RE = re.compile(r"([^\W_]+)")


def highlight_snippet(snippet: str, highlight: Callable[[str], bool] | None, limit: int) -> str:
    """A one-line snippet for a markdown surface, words for which `highlight(word)` is true in
    bold (neighbouring bold words share one `**…**`), at most `limit` characters."""
    norm = normalize(snippet)
    if highlight is None:
        return _cut(norm, limit, _markup)[0]
    window = norm[:limit]
    clipped = len(norm) > len(window)
    parts = _WORD_RE.split(window)  # even indexes: between words; odd: words
    bold = [index % 2 == 1 and bool(highlight(part)) for index, part in enumerate(parts)]
    for index in range(2, len(parts) - 1, 2):  # bold spaces between two bold words
        if bold[index - 1] and bold[index + 1] and parts[index].isspace():
            bold[index] = True

    def render(count: int) -> str:
        out, index = [], 0
        while index < count:
            end = index
            while end < count and bold[end] == bold[index]:
                end += 1
            text = _markup("".join(parts[index:end]))
            out.append(f"**{text}**" if bold[index] and text else text)
            index = end
        return break_mentions("".join(out))

    if not clipped:
        full = render(len(parts))
        if len(full) <= limit:
            return full
    # Cut after a word; the last word of a clipped window may itself be clipped.
    last = len(parts) - (2 if clipped else 0)
    counts = [count for count in range(2, last + 1, 2)]
    count = _largest(counts, lambda c: len(render(c).rstrip()) + len(ELLIPSIS) <= limit)
    if count is None:
        return _cut(norm, limit, _markup)[0]
    return render(count).rstrip() + ELLIPSIS


def authors_line(authors: Sequence[str], limit: int, *, markdown: bool = False,
                 name_limit: int = 64) -> str:
    """ "A, B, C +N more" within `limit` ("" without authors); each name at most `name_limit`."""
    names = [name for name in (normalize(author) for author in authors) if name]
    shown: list[str] = []
    length = 0
    for index, name in enumerate(names):
        rendered = _cut(name, name_limit, _renderer(markdown))[0]
        remaining = len(names) - index - 1
        suffix = len(f" +{remaining} more") if remaining else 0
        added = len(rendered) + (2 if shown else 0)
        if length + added + suffix > limit:
            break
        shown.append(rendered)
        length += added
    if not shown:
        return truncate(f"{len(names)} authors", limit, markdown=markdown) if names else ""
    extra = len(names) - len(shown)
    return ", ".join(shown) + (f" +{extra} more" if extra else "")
