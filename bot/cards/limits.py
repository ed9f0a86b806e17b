"""Discord's size limits, which the cards are built to fit (the local Discord in the tests
refuses anything beyond them, as Discord does)."""

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_COUNT_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
MESSAGE_TOTAL_LIMIT = 6000  # title + description + fields + footer + author, all embeds
MESSAGE_EMBEDS_LIMIT = 10
CONTENT_LIMIT = 2000
SELECT_OPTIONS_LIMIT = 25
SELECT_TEXT_LIMIT = 100  # option label, value and description
PLACEHOLDER_LIMIT = 150
BUTTON_LABEL_LIMIT = 80
CHOICE_NAME_LIMIT = 100  # autocomplete choice name
