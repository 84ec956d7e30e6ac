"""Chinese text helpers, one owner for each: traditional -> simplified, the forms an item's
text is compared in, jieba words (one tokenizer with the field dictionary), reply and
forward prefixes of subjects, and the rule for what an item is.

Pure logic: nothing here knows about mail sources, the database or the CLI.
"""

from mailbot.text.chinese import folded, simplified
from mailbot.text.forms import alnum_only, cleaned, comparable
from mailbot.text.items import (
    ItemSource,
    document_title,
    heading_line,
    is_cover_note,
    is_item_document,
    split_items,
)
from mailbot.text.segmentation import Segmented, add_words, opening_words, segment, tokenizer, words
from mailbot.text.subjects import (
    is_forward_subject,
    is_reply_subject,
    reply_prefix,
    strip_reply_prefixes,
)

__all__ = [
    "ItemSource", "Segmented", "add_words", "alnum_only", "cleaned", "comparable",
    "document_title", "folded", "heading_line", "is_cover_note", "is_forward_subject", "is_item_document",
    "is_reply_subject", "opening_words", "reply_prefix", "segment", "simplified", "split_items",
    "strip_reply_prefixes", "tokenizer", "words",
]
