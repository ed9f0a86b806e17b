"""Discord's request validation rules, answering with its ``Invalid Form Body`` error shape."""

from __future__ import annotations

import re
from typing import Any

Path = tuple[str | int, ...]

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
ACTION_ROWS_MAX = 5
ROW_WIDTH = 5
BUTTON_LABEL_MAX = 80
CUSTOM_ID_MAX = 100
SELECT_OPTIONS_MAX = 25
SELECT_OPTION_TEXT_MAX = 100
SELECT_PLACEHOLDER_MAX = 150
V2_COMPONENTS_MAX = 40
V2_TEXT_MAX = 4000
AUTOCOMPLETE_CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_VALUE_MAX = 100
MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_PLACEHOLDER_MAX = 100
TEXT_INPUT_VALUE_MAX = 4000

EPHEMERAL = 1 << 6
SUPPRESS_EMBEDS = 1 << 2
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_COMPONENTS_V2 = 1 << 15
LOADING = 1 << 7

_URL_RE = re.compile(r"^(https?|attachment)://\S+$")
_BUTTON_URL_RE = re.compile(r"^(https?|discord)://\S+$")
_COMMAND_NAME_RE = re.compile(r"^[-_'\w]{1,32}$")


class FormErrors:
    """Collects errors in Discord's nested ``{"field": {"_errors": [...]}}`` shape."""

    def __init__(self) -> None:
        self.errors: dict[str, Any] = {}

    def add(self, path: Path, code: str, message: str) -> None:
        node = self.errors
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def __bool__(self) -> bool:
        return bool(self.errors)

    # Helpers for the common checks -------------------------------------------------------

    def max_len(self, path: Path, value: Any, limit: int) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def bad_len(self, path: Path, value: Any, low: int, high: int) -> None:
        if value is None:
            if low > 0:
                self.add(path, "BASE_TYPE_REQUIRED", "This field is required")
            return
        if not isinstance(value, str | list):
            self.add(path, "BASE_TYPE_STRING", "Could not interpret value as string.")
            return
        if not low <= len(value) <= high:
            self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")

    def required(self, path: Path, value: Any) -> bool:
        if value is None or value == "":
            self.add(path, "BASE_TYPE_REQUIRED", "This field is required")
            return False
        return True

    def int_range(self, path: Path, value: Any, low: int, high: int) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.')
        elif value < low:
            self.add(
                path, "NUMBER_TYPE_MIN", f"Int value should be greater than or equal to {low}."
            )
        elif value > high:
            self.add(path, "NUMBER_TYPE_MAX", f"Int value should be less than or equal to {high}.")

    def url(self, path: Path, value: Any, pattern: re.Pattern[str] = _URL_RE) -> None:
        if value is None:
            return
        if not isinstance(value, str) or not pattern.match(value):
            self.add(path, "URL_TYPE_INVALID_URL", "Not a well formed URL.")


# Messages ---------------------------------------------------------------------------------


def embed_text_length(embeds: list[dict[str, Any]]) -> int:
    total = 0
    for embed in embeds:
        if not isinstance(embed, dict):
            continue
        total += len(embed.get("title") or "") + len(embed.get("description") or "")
        for f in embed.get("fields") or []:
            if isinstance(f, dict):
                total += len(f.get("name") or "") + len(f.get("value") or "")
        total += len((embed.get("footer") or {}).get("text") or "")
        total += len((embed.get("author") or {}).get("name") or "")
    return total


def check_embeds(errors: FormErrors, embeds: Any) -> None:
    if embeds is None:
        return
    if not isinstance(embeds, list):
        errors.add(("embeds",), "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return
    if len(embeds) > EMBEDS_MAX:
        errors.add(("embeds",), "BASE_TYPE_MAX_LENGTH", f"Must be {EMBEDS_MAX} or fewer in length.")
    for i, embed in enumerate(embeds):
        base: Path = ("embeds", i)
        if not isinstance(embed, dict):
            errors.add(base, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        errors.max_len((*base, "title"), embed.get("title"), EMBED_TITLE_MAX)
        errors.max_len((*base, "description"), embed.get("description"), EMBED_DESCRIPTION_MAX)
        errors.url((*base, "url"), embed.get("url"))
        color = embed.get("color")
        if color is not None:
            errors.int_range((*base, "color"), color, 0, 0xFFFFFF)
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            errors.add(
                (*base, "fields"),
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {EMBED_FIELDS_MAX} or fewer in length.",
            )
        for j, f in enumerate(fields):
            fpath: Path = (*base, "fields", j)
            if errors.required((*fpath, "name"), (f or {}).get("name")):
                errors.max_len((*fpath, "name"), f["name"], EMBED_FIELD_NAME_MAX)
            if errors.required((*fpath, "value"), (f or {}).get("value")):
                errors.max_len((*fpath, "value"), f["value"], EMBED_FIELD_VALUE_MAX)
        footer = embed.get("footer")
        if isinstance(footer, dict):
            if errors.required((*base, "footer", "text"), footer.get("text")):
                errors.max_len((*base, "footer", "text"), footer["text"], EMBED_FOOTER_MAX)
            errors.url((*base, "footer", "icon_url"), footer.get("icon_url"))
        author = embed.get("author")
        if isinstance(author, dict):
            if errors.required((*base, "author", "name"), author.get("name")):
                errors.max_len((*base, "author", "name"), author["name"], EMBED_AUTHOR_MAX)
            errors.url((*base, "author", "url"), author.get("url"))
            errors.url((*base, "author", "icon_url"), author.get("icon_url"))
        for key in ("image", "thumbnail"):
            media = embed.get(key)
            if isinstance(media, dict):
                errors.url((*base, key, "url"), media.get("url"))
    if embed_text_length(embeds) > EMBED_TOTAL_MAX:
        errors.add(
            ("embeds",),
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}",
        )


def check_allowed_mentions(errors: FormErrors, am: Any) -> None:
    if am is None:
        return
    if not isinstance(am, dict):
        errors.add(("allowed_mentions",), "DICT_TYPE_CONVERT", "Only dictionaries may be used")
        return
    parse = am.get("parse") or []
    for i, item in enumerate(parse):
        if item not in ("roles", "users", "everyone"):
            errors.add(
                ("allowed_mentions", "parse", i),
                "BASE_TYPE_CHOICES",
                f"Value must be one of ('roles', 'users', 'everyone').  Got {item!r}",
            )
    for key in ("users", "roles"):
        listed = am.get(key) or []
        if listed and key in parse:
            errors.add(
                ("allowed_mentions",),
                "ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{key}"] and {key}: [ids...] are mutually exclusive.',
            )
        if len(listed) > 100:
            errors.add(("allowed_mentions", key), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer.")


class _ComponentChecker:
    def __init__(self, errors: FormErrors) -> None:
        self.errors = errors
        self.custom_ids: set[str] = set()
        self.count = 0

    def custom_id(self, path: Path, value: Any, *, required: bool = True) -> None:
        if value is None:
            if required:
                self.errors.add(
                    (*path, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required"
                )
            return
        self.errors.bad_len((*path, "custom_id"), value, 1, CUSTOM_ID_MAX)
        if value in self.custom_ids:
            self.errors.add(
                (*path, "custom_id"),
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated",
            )
        self.custom_ids.add(value)

    def button(self, path: Path, c: dict[str, Any]) -> None:
        style = c.get("style")
        if style not in (1, 2, 3, 4, 5, 6):
            self.errors.add((*path, "style"), "BASE_TYPE_CHOICES", "Value must be one of (1..6).")
        self.errors.max_len((*path, "label"), c.get("label"), BUTTON_LABEL_MAX)
        if style == 5:
            if c.get("url") is None:
                self.errors.add((*path, "url"), "BASE_TYPE_REQUIRED", "This field is required")
            else:
                self.errors.url((*path, "url"), c.get("url"), _BUTTON_URL_RE)
            if c.get("custom_id") is not None:
                self.errors.add(
                    (*path, "custom_id"),
                    "COMPONENT_INVALID_CUSTOM_ID",
                    "Link buttons cannot have a custom_id",
                )
        elif style == 6:
            if c.get("sku_id") is None:
                self.errors.add((*path, "sku_id"), "BASE_TYPE_REQUIRED", "This field is required")
        else:
            self.custom_id(path, c.get("custom_id"))
            if c.get("url") is not None:
                self.errors.add(
                    (*path, "url"), "COMPONENT_INVALID_URL", "Only link buttons use url"
                )
        if style != 6 and not c.get("label") and not c.get("emoji"):
            self.errors.add(
                (*path, "label"),
                "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED",
                "A button must have a label or an emoji",
            )

    def select(self, path: Path, c: dict[str, Any]) -> None:
        self.custom_id(path, c.get("custom_id"))
        self.errors.max_len((*path, "placeholder"), c.get("placeholder"), SELECT_PLACEHOLDER_MAX)
        min_v = c.get("min_values", 1)
        max_v = c.get("max_values", 1)
        self.errors.int_range((*path, "min_values"), min_v, 0, SELECT_OPTIONS_MAX)
        self.errors.int_range((*path, "max_values"), max_v, 1, SELECT_OPTIONS_MAX)
        if isinstance(min_v, int) and isinstance(max_v, int) and min_v > max_v:
            self.errors.add(
                (*path, "min_values"),
                "SELECT_COMPONENT_MIN_VALUES_TOO_LARGE",
                "min_values must be less than or equal to max_values",
            )
        if c.get("type") != 3:
            return
        options = c.get("options")
        self.errors.bad_len((*path, "options"), options, 1, SELECT_OPTIONS_MAX)
        values: set[str] = set()
        for i, opt in enumerate(options or []):
            opath: Path = (*path, "options", i)
            self.errors.bad_len((*opath, "label"), opt.get("label"), 1, SELECT_OPTION_TEXT_MAX)
            self.errors.bad_len((*opath, "value"), opt.get("value"), 1, SELECT_OPTION_TEXT_MAX)
            self.errors.max_len(
                (*opath, "description"), opt.get("description"), SELECT_OPTION_TEXT_MAX
            )
            if opt.get("value") in values:
                self.errors.add(
                    (*opath, "value"),
                    "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                    "Select component option values must be unique",
                )
            values.add(opt.get("value"))
        if isinstance(max_v, int) and options and max_v > len(options):
            self.errors.add(
                (*path, "max_values"),
                "SELECT_COMPONENT_MAX_VALUES_TOO_LARGE",
                "max_values must be less than or equal to the number of options",
            )

    def text_input(self, path: Path, c: dict[str, Any], *, in_label: bool) -> None:
        self.custom_id(path, c.get("custom_id"))
        if c.get("style") not in (1, 2):
            self.errors.add((*path, "style"), "BASE_TYPE_CHOICES", "Value must be one of (1, 2).")
        if not in_label:
            self.errors.bad_len((*path, "label"), c.get("label"), 1, TEXT_INPUT_LABEL_MAX)
        self.errors.max_len(
            (*path, "placeholder"), c.get("placeholder"), TEXT_INPUT_PLACEHOLDER_MAX
        )
        self.errors.max_len((*path, "value"), c.get("value"), TEXT_INPUT_VALUE_MAX)
        self.errors.int_range((*path, "min_length"), c.get("min_length"), 0, TEXT_INPUT_VALUE_MAX)
        self.errors.int_range((*path, "max_length"), c.get("max_length"), 1, TEXT_INPUT_VALUE_MAX)

    def row(self, path: Path, row: dict[str, Any], *, modal: bool = False) -> None:
        children = row.get("components")
        if not isinstance(children, list) or not children:
            self.errors.bad_len((*path, "components"), children or [], 1, ROW_WIDTH)
            return
        width = 0
        for i, child in enumerate(children):
            cpath: Path = (*path, "components", i)
            self.count += 1
            ctype = child.get("type")
            if ctype == 2 and not modal:
                width += 1
                self.button(cpath, child)
            elif ctype in (3, 5, 6, 7, 8) and not modal:
                width += ROW_WIDTH
                self.select(cpath, child)
            elif ctype == 4 and modal:
                width += ROW_WIDTH
                self.text_input(cpath, child, in_label=False)
            else:
                self.errors.add(
                    (*cpath, "type"),
                    "COMPONENT_TYPE_INVALID",
                    f"Component type {ctype} is not allowed here",
                )
        if len(children) > ROW_WIDTH:
            self.errors.add(
                (*path, "components"),
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between 1 and {ROW_WIDTH} in length.",
            )
        elif width > ROW_WIDTH:
            self.errors.add(
                (*path, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )

    def v2(self, path: Path, c: dict[str, Any]) -> None:
        """Components v2 (message flag IS_COMPONENTS_V2): containers, sections, text..."""
        self.count += 1
        ctype = c.get("type")
        if ctype == 1:
            self.row(path, c)
        elif ctype == 9:  # section
            for i, child in enumerate(c.get("components") or []):
                self.v2((*path, "components", i), child)
            accessory = c.get("accessory")
            if isinstance(accessory, dict):
                self.count += 1
                if accessory.get("type") == 2:
                    self.button((*path, "accessory"), accessory)
        elif ctype == 10:  # text display
            self.errors.bad_len((*path, "content"), c.get("content"), 1, V2_TEXT_MAX)
        elif ctype == 17:  # container
            for i, child in enumerate(c.get("components") or []):
                self.v2((*path, "components", i), child)
        elif ctype in (11, 12, 13, 14):  # thumbnail, media gallery, file, separator
            pass
        else:
            self.errors.add(
                (*path, "type"), "COMPONENT_TYPE_INVALID", f"Component type {ctype} is not allowed"
            )


def check_components(errors: FormErrors, components: Any, *, flags: int) -> None:
    if not components:
        return
    if not isinstance(components, list):
        errors.add(("components",), "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return
    checker = _ComponentChecker(errors)
    if flags & IS_COMPONENTS_V2:
        for i, c in enumerate(components):
            checker.v2(("components", i), c)
        if checker.count > V2_COMPONENTS_MAX:
            errors.add(
                ("components",),
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {V2_COMPONENTS_MAX} or fewer in length.",
            )
        return
    if len(components) > ACTION_ROWS_MAX:
        errors.add(
            ("components",),
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {ACTION_ROWS_MAX} or fewer in length.",
        )
    for i, row in enumerate(components):
        if not isinstance(row, dict) or row.get("type") != 1:
            errors.add(
                ("components", i, "type"),
                "COMPONENT_TYPE_INVALID",
                "Top-level message components must be action rows",
            )
            continue
        checker.row(("components", i), row)


def check_message(payload: dict[str, Any], *, allow_ephemeral: bool = False) -> FormErrors:
    """Validate a message create/edit payload (content, embeds, components, flags...)."""
    errors = FormErrors()
    content = payload.get("content")
    if content is not None and not isinstance(content, str):
        errors.add(("content",), "BASE_TYPE_STRING", "Could not interpret value as string.")
    else:
        errors.max_len(("content",), content, CONTENT_MAX)
    check_embeds(errors, payload.get("embeds"))
    flags = payload.get("flags") or 0
    if not isinstance(flags, int):
        errors.add(("flags",), "NUMBER_TYPE_COERCE", "Value is not int.")
        flags = 0
    allowed_flags = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2
    if allow_ephemeral:
        allowed_flags |= EPHEMERAL
    if flags & ~allowed_flags:
        errors.add(("flags",), "MESSAGE_FLAGS_INVALID", "Invalid message flags")
    if flags & IS_COMPONENTS_V2:
        if content:
            errors.add(
                ("content",),
                "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                "The 'content' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
            )
        if payload.get("embeds"):
            errors.add(
                ("embeds",),
                "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                "The 'embeds' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
            )
    check_components(errors, payload.get("components"), flags=flags)
    check_allowed_mentions(errors, payload.get("allowed_mentions"))
    nonce = payload.get("nonce")
    if isinstance(nonce, str) and len(nonce) > 25:
        errors.add(("nonce",), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    return errors


def is_empty_message(message: dict[str, Any], *, has_files: bool = False) -> bool:
    """Discord refuses (50006) a message with nothing to show."""
    if has_files or message.get("attachments"):
        return False
    if (message.get("content") or "").strip():
        return False
    if message.get("embeds") or message.get("components") or message.get("poll"):
        return False
    return not message.get("sticker_ids") and not message.get("sticker_items")


# Interaction callbacks ---------------------------------------------------------------------


def check_autocomplete(data: dict[str, Any]) -> FormErrors:
    errors = FormErrors()
    choices = data.get("choices")
    if choices is None:
        errors.add(("data", "choices"), "BASE_TYPE_REQUIRED", "This field is required")
        return errors
    if len(choices) > AUTOCOMPLETE_CHOICES_MAX:
        errors.add(
            ("data", "choices"),
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {AUTOCOMPLETE_CHOICES_MAX} or fewer in length.",
        )
    for i, choice in enumerate(choices):
        path: Path = ("data", "choices", i)
        errors.bad_len((*path, "name"), choice.get("name"), 1, CHOICE_NAME_MAX)
        value = choice.get("value")
        if value is None:
            errors.add((*path, "value"), "BASE_TYPE_REQUIRED", "This field is required")
        elif isinstance(value, str):
            errors.max_len((*path, "value"), value, CHOICE_VALUE_MAX)
    return errors


def check_modal(data: dict[str, Any]) -> FormErrors:
    errors = FormErrors()
    errors.bad_len(("data", "title"), data.get("title"), 1, MODAL_TITLE_MAX)
    errors.bad_len(("data", "custom_id"), data.get("custom_id"), 1, CUSTOM_ID_MAX)
    components = data.get("components")
    errors.bad_len(("data", "components"), components, 1, MODAL_COMPONENTS_MAX)
    checker = _ComponentChecker(errors)
    for i, c in enumerate(components or []):
        path: Path = ("data", "components", i)
        ctype = c.get("type")
        if ctype == 1:
            checker.row(path, c, modal=True)
        elif ctype == 18:  # label wrapping one component
            errors.bad_len((*path, "label"), c.get("label"), 1, TEXT_INPUT_LABEL_MAX)
            inner = c.get("component") or {}
            if inner.get("type") == 4:
                checker.text_input((*path, "component"), inner, in_label=True)
            elif inner.get("type") in (3, 5, 6, 7, 8):
                checker.select((*path, "component"), inner)
        elif ctype == 10:
            errors.bad_len((*path, "content"), c.get("content"), 1, V2_TEXT_MAX)
        else:
            errors.add((*path, "type"), "COMPONENT_TYPE_INVALID", "Invalid modal component")
    return errors


# Application commands ----------------------------------------------------------------------


def _check_option(errors: FormErrors, path: Path, opt: dict[str, Any], depth: int) -> None:
    name = opt.get("name")
    if not isinstance(name, str) or not _COMMAND_NAME_RE.match(name) or name != name.lower():
        errors.add(
            (*path, "name"),
            "APPLICATION_COMMAND_INVALID_NAME",
            f"Command name is invalid: {name!r}",
        )
    errors.bad_len((*path, "description"), opt.get("description"), 1, 100)
    choices = opt.get("choices") or []
    if len(choices) > 25:
        errors.add((*path, "choices"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for i, choice in enumerate(choices):
        errors.bad_len((*path, "choices", i, "name"), choice.get("name"), 1, CHOICE_NAME_MAX)
        errors.max_len((*path, "choices", i, "value"), choice.get("value"), CHOICE_VALUE_MAX)
    if choices and opt.get("autocomplete"):
        errors.add(
            (*path, "autocomplete"),
            "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_AND_CHOICES",
            "Autocomplete cannot be set on options with choices",
        )
    _check_options(errors, path, opt.get("options") or [], depth + 1)


def _check_options(errors: FormErrors, path: Path, options: list[Any], depth: int) -> None:
    if len(options) > 25:
        errors.add((*path, "options"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    seen: set[str] = set()
    optional_seen = False
    for i, opt in enumerate(options):
        opath: Path = (*path, "options", i)
        if opt.get("name") in seen:
            errors.add(
                (*opath, "name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        seen.add(opt.get("name"))
        if opt.get("type") in (1, 2):
            if depth >= 2 or (opt.get("type") == 2 and depth >= 1):
                errors.add((*opath, "type"), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Too deep")
        elif opt.get("required"):
            if optional_seen:
                errors.add(
                    (*opath, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        _check_option(errors, opath, opt, depth)


def check_commands(commands: Any) -> FormErrors:
    errors = FormErrors()
    if not isinstance(commands, list):
        errors.add((), "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return errors
    names: set[tuple[int, str]] = set()
    counts = {1: 0, 2: 0, 3: 0}
    for i, cmd in enumerate(commands):
        ctype = cmd.get("type", 1)
        counts[ctype] = counts.get(ctype, 0) + 1
        name = cmd.get("name")
        key = (ctype, name)
        if key in names:
            errors.add(
                (i, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {name}",
            )
        names.add(key)
        if ctype == 1:
            valid = isinstance(name, str) and _COMMAND_NAME_RE.match(name) and name == name.lower()
            if not valid:
                errors.add(
                    (i, "name"), "APPLICATION_COMMAND_INVALID_NAME", f"Invalid name {name!r}"
                )
            errors.bad_len((i, "description"), cmd.get("description"), 1, 100)
            _check_options(errors, (i,), cmd.get("options") or [], 0)
        else:
            errors.bad_len((i, "name"), name, 1, 32)
            if cmd.get("description"):
                errors.add(
                    (i, "description"),
                    "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
                    "Context menu commands cannot have a description",
                )
    if counts[1] > 100:
        errors.add((), "APPLICATION_COMMANDS_TOO_MANY", "Maximum number of commands reached (100)")
    for ctype in (2, 3):
        if counts[ctype] > 15:
            errors.add((), "APPLICATION_COMMANDS_TOO_MANY", "Maximum number of context menus (15)")
    return errors
