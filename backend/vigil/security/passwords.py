"""Which passwords are refused: length, the account's own email, a breached-password list, a minimum strength.

NIST SP 800-63B asks for a length and a check against passwords known from breaches, not composition rules.
zxcvbn (Dropbox's estimator, Python port) ships both offline: the 30,000 most common passwords of a
10-million password leak (its `passwords` frequency list) and a guess estimate that sees dictionary words,
names, keyboard walks, dates, repeats and l33t substitutions, so `Password1!` and `qwertyuiop1` score as what
they are.
"""

from __future__ import annotations

import functools

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
MIN_SCORE = 3
"""zxcvbn's 0..4 scale; 3 means an estimated 10⁸ guesses or more ("safely unguessable" online)."""


@functools.cache
def breached_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, email: str) -> str | None:
    """Why a password is refused, or None. Up to ~0.1 s of CPU for a long repetitive password: call it from
    a thread in a server."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must have at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must have at most {MAX_PASSWORD_LENGTH} characters."
    lowered = password.lower()
    local_part = email.split("@", 1)[0].lower()
    if len(local_part) >= 3 and local_part in lowered:
        return "Password must not contain the email address."
    if lowered in breached_passwords():
        return "Password is too easy to guess. It is one of the most common passwords found in breaches."
    estimate = zxcvbn(password, user_inputs=[email, local_part], max_length=MAX_PASSWORD_LENGTH)
    if estimate["score"] < MIN_SCORE:
        hint = estimate["feedback"]["warning"] or "it follows a common pattern"
        return f"Password is too easy to guess. {hint.rstrip('.')}. Add a few uncommon words."
    return None
