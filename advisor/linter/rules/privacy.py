"""Privacy and secrets (P): API keys and private keys, e-mail addresses, phone
numbers and payment card numbers in the text.

Cheap substring tests (``hint``) guard every regular expression: these run on
every text of files with hundreds of thousands of examples.
"""

from __future__ import annotations

import re

from advisor.linter.rules.base import Hit, TextCheck
from advisor.rulebook import rule

P001 = rule("P001", "secret", scope="example")
P002 = rule("P002", "email-address", scope="example")
P003 = rule("P003", "phone-number", scope="example")
P004 = rule("P004", "card-number", scope="example")

SECRETS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("OpenAI API key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{32,}")),
    ("Anthropic API key", re.compile(r"\bsk-ant-[a-z]{3,6}\d{2}-[A-Za-z0-9_\-]{60,}")),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})")),
    ("Slack token", re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}")),
    ("Stripe key", re.compile(r"\b(?:sk|rk)_(?:live|test)_[0-9a-zA-Z]{24,}")),
    ("Hugging Face token", re.compile(r"\bhf_[A-Za-z]{34}\b")),
    (
        "JSON Web Token",
        re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    ),
    (
        "private key",
        re.compile(
            r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----"
        ),
    ),
)
SECRET_HINTS = (
    "sk-",
    "AKIA",
    "ASIA",
    "ABIA",
    "ACCA",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "xox",
    "AIza",
    "_live_",
    "_test_",
    "hf_",
    "eyJ",
    "PRIVATE KEY",
)
SECRET_HINT = re.compile("|".join(re.escape(hint) for hint in SECRET_HINTS))
EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b"
)
PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .-]?\(?\d{1,4}\)?(?:[ .-]?\d{2,4}){2,4}"
    r"|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\d{3}[.-]\d{3}[.-]\d{4})(?![\w-])"
)
CARD = re.compile(
    r"(?<![\d.,-])(?:\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}|\d{4}([ -])\d{6}\2\d{5}|\d{13,19})"
    r"(?![\d-]|[.,]\d)"
)
CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|6011|65|35|3[068])")


_DIGIT_RUN = re.compile(r"[0-9][0-9 .()-]{7,}[0-9]")


def _has_long_digits(text: str) -> bool:
    return _DIGIT_RUN.search(text) is not None


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def mask(secret: str) -> str:
    """Show enough of a secret to find it, never the whole of it."""
    if len(secret) <= 12:
        return secret[:2] + "…"
    return f"{secret[:6]}…{secret[-2:]}"


def secrets_in(field: str, text: str, hits: list[Hit]) -> None:
    """P001: the first API key, token or private key in the text."""
    if SECRET_HINT.search(text):
        for label, pattern in SECRETS:
            match = pattern.search(text)
            if match and (label != "OpenAI API key" or any(c.isdigit() for c in match.group(0))):
                hits.append(
                    (
                        P001.code,
                        f"{field} contains what looks like a {label} "
                        f"({mask(match.group(0))}); remove it and rotate the key.",
                        field,
                    )
                )
                break


# Domains that can never belong to a person: RFC 2606 and RFC 6761 reserve them for
# documentation and tests, so an address there is an illustration, not personal data.
RESERVED_DOMAINS = frozenset({"example.com", "example.net", "example.org"})
# Generic words used as the domain of a made-up address in instructions and tool
# demos ("alice@email.com", "boss@company.com"): 18 of 26 addresses across the real
# files in ../shared/data were these. (mail.com, a real provider, is not listed.)
GENERIC_DOMAINS = frozenset(
    f"{word}.com"
    for word in (
        "email",
        "company",
        "domain",
        "website",
        "mycompany",
        "companyname",
        "business",
        "acme",
        "sample",
        "test",
        "fake",
        "somewhere",
        "organization",
    )
)
RESERVED_TLDS = (".example", ".test", ".invalid", ".localhost")


def is_placeholder_address(address: str) -> bool:
    """An address written to show the shape of one (``user@example.com``,
    ``yourname@yourdomain.com``): flagging it as personal data would be a false alarm."""
    local, _, domain = address.lower().rpartition("@")
    if domain in RESERVED_DOMAINS or domain in GENERIC_DOMAINS or domain.endswith(RESERVED_TLDS):
        return True
    if any(domain.endswith("." + reserved) for reserved in RESERVED_DOMAINS):
        return True
    first_label = domain.split(".", 1)[0]
    return local.startswith("your") or first_label.startswith(("your", "example"))


def email_addresses(field: str, text: str, hits: list[Hit]) -> None:
    """P002: the first e-mail address that is not a documentation placeholder."""
    if "@" not in text:
        return
    for match in EMAIL.finditer(text):
        if not is_placeholder_address(match.group(0)):
            hits.append(
                (P002.code, f"{field} contains an e-mail address ({mask(match.group(0))}).", field)
            )
            return


def card_or_phone_numbers(field: str, text: str, hits: list[Hit]) -> None:
    """P004: a payment card number (Luhn-valid); otherwise P003: a phone number."""
    if not _has_long_digits(text):
        return
    for match in CARD.finditer(text):
        digits = re.sub(r"[ -]", "", match.group(0))
        if 13 <= len(digits) <= 19 and CARD_PREFIX.match(digits) and luhn_valid(digits):
            hits.append(
                (
                    P004.code,
                    f"{field} contains a payment card number "
                    f"(…{digits[-4:]}, passes the Luhn check).",
                    field,
                )
            )
            return
    for match in PHONE.finditer(text):
        number = match.group(0)
        if sum(c.isdigit() for c in number) >= 9 and not is_fictional_number(number):
            hits.append((P003.code, f"{field} contains a phone number ({mask(number)}).", field))
            return


def is_fictional_number(number: str) -> bool:
    """A North American number that no one can have: the 555 exchange that film and
    documentation use ("(555) 123-4567") or an area code starting with 0 or 1
    ("(123) 456-7891"), which the numbering plan never assigns. Other countries'
    numbers are always reported."""
    digits = re.sub(r"\D", "", number)
    if number.lstrip().startswith("+"):
        if not digits.startswith("1"):
            return False
        digits = digits[1:]
    elif len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        return False
    area, exchange = digits[:3], digits[3:6]
    return area[0] in "01" or area == "555" or exchange == "555"


TEXT_CHECKS = (
    TextCheck((P001,), lambda joined: SECRET_HINT.search(joined) is not None, secrets_in),
    TextCheck((P002,), lambda joined: "@" in joined, email_addresses),
    TextCheck((P003, P004), _has_long_digits, card_or_phone_numbers),
)
