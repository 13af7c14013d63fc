"""The password rule: long enough, not blank, not a commonly breached password; passphrases welcome.

Following NIST SP 800-63B: no composition rules (a passphrase of plain words is fine),
a minimum length, and a check against passwords known from breaches. The bundled list
``common-passwords.txt.gz`` (40,101 entries, lowercased) is the union of

- the 20,000 most common passwords of the Have I Been Pwned corpus compiled by Royce
  Williams, as shipped by Django (``django/contrib/auth/common-passwords.txt.gz``,
  Django 5.2.19 from PyPI, BSD-3-Clause), and
- the 30,000 most frequent passwords of the Xato "10 million passwords" breach
  compilation, as shipped by zxcvbn (``zxcvbn/frequency_lists.py``, zxcvbn 4.5.0 from
  PyPI, MIT).

A password is refused when it, lowercased, with its spaces collapsed or removed, is on
the list, so ``Password 123`` is caught as ``password123``.
"""

from __future__ import annotations

import functools
import gzip
from importlib.resources import files

from openaims.errors import UsageError

MIN_LENGTH = 10
MAX_LENGTH = 1000
LIST_FILE = "common-passwords.txt.gz"


class PasswordRefused(UsageError):
    """A password the rule refuses; the message says why and what would do."""


@functools.cache
def breached_passwords() -> frozenset[str]:
    """The bundled list of commonly breached passwords (lowercased)."""
    data = files("openaims.register").joinpath(LIST_FILE).read_bytes()
    return frozenset(line for line in gzip.decompress(data).decode("utf-8").splitlines() if line)


def _forms(password: str) -> set[str]:
    lowered = password.casefold()
    words = lowered.split()
    return {lowered, lowered.strip(), " ".join(words), "".join(words)}


def check(password: str, *, username: str | None = None) -> None:
    """Refuse a password that is blank, short, a repeated character, the username or commonly breached."""
    if not password.strip():
        raise PasswordRefused("the password is blank; use a passphrase of a few words (at least 10 characters)")
    length = len(" ".join(password.split()))
    if length < MIN_LENGTH:
        raise PasswordRefused(
            f"the password must be at least {MIN_LENGTH} characters long (spaces between words count once); "
            "a passphrase of a few words is easy to remember"
        )
    if len(password) > MAX_LENGTH:
        raise PasswordRefused(f"the password is longer than {MAX_LENGTH} characters")
    forms = _forms(password)
    if len({c for c in password if not c.isspace()}) == 1:
        raise PasswordRefused("the password repeats one character; use a passphrase of a few words")
    if username and "".join(username.casefold().split()) in {f.replace(" ", "") for f in forms}:
        raise PasswordRefused("the password is the username; choose something else")
    if forms & breached_passwords():
        raise PasswordRefused(
            "this password is on the list of commonly breached passwords; choose another "
            "(a passphrase of four or more unrelated words works well)"
        )


__all__ = ["MAX_LENGTH", "MIN_LENGTH", "PasswordRefused", "breached_passwords", "check"]
