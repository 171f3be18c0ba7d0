"""The name of every format advisor reads (what `--input-format` accepts).

Imports nothing, so the command line can list the names without loading any reader.
"""

from __future__ import annotations

CHAT = "openai-chat"
SHAREGPT = "sharegpt"
ALPACA = "alpaca"
SELF_INSTRUCT = "self-instruct"
PROMPT_COMPLETION = "prompt-completion"
RAW_TEXT = "text"
CLASSIFICATION_FORMAT = "classification"
DPO = "preference-dpo"
KTO = "preference-kto"
GEMINI = "gemini-contents"
FORMATS = (
    CHAT,
    SHAREGPT,
    ALPACA,
    SELF_INSTRUCT,
    PROMPT_COMPLETION,
    RAW_TEXT,
    CLASSIFICATION_FORMAT,
    DPO,
    KTO,
    GEMINI,
)
PREFERENCE_FORMATS = (DPO, KTO)
