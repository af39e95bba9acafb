"""Words for numbers in report sentences: one place for plurals, so "1 working days" or
"up on 1 measures" cannot be written.

Every sentence a report writes around a count goes through :func:`count` (or
:func:`plural`), and the templates of those sentences are listed in :data:`SENTENCES`, which
a test renders with 1 and with 2 to check each reads correctly both ways.
"""

from __future__ import annotations

from collections.abc import Callable

# irregular plurals; any other noun takes "s" (a phrase's last word is the noun unless it
# is one of these, when the noun is the first word: "case where", "row with")
_IRREGULAR = {"child": "children", "person": "people", "was": "were", "is": "are",
              "has": "have", "does": "do", "this": "these", "it": "they"}


def plural(n: int | float, singular: str, many: str | None = None) -> str:
    """``singular`` for exactly 1, else its plural (``many``, or the word with "s", or an
    irregular plural): ``plural(1, "measure")`` is "measure", ``plural(2, "child")``
    "children"."""
    if n == 1:
        return singular
    if many is not None:
        return many
    if singular in _IRREGULAR:
        return _IRREGULAR[singular]
    words = singular.split(" ")
    if len(words) > 1:  # "working day" -> "working days", "case score" -> "case scores"
        return " ".join([*words[:-1], plural(n, words[-1])])
    if singular.endswith(("s", "x", "ch", "sh")):
        return singular + "es"
    if singular.endswith("y") and singular[-2:-1] not in "aeiou":
        return singular[:-1] + "ies"
    return singular + "s"


def count(n: int | float, singular: str, many: str | None = None) -> str:
    """``n`` and the noun agreeing with it: "1 working day", "2 working days", "0 cases"."""
    shown = f"{int(n):,}" if float(n).is_integer() else f"{n:,}"
    return f"{shown} {plural(n, singular, many)}"


# Sentence templates written around a count, each a function of the count, for the test
# that renders every one with 1 and with 2. Modules add theirs with :func:`sentence`.
SENTENCES: dict[str, Callable[[int], str]] = {}


def sentence(name: str) -> Callable[[Callable[[int], str]], Callable[[int], str]]:
    """Register a sentence template (a function of one count) under ``name``."""
    def register(fn: Callable[[int], str]) -> Callable[[int], str]:
        SENTENCES[name] = fn
        return fn
    return register


@sentence("rows-left-out")
def rows_left_out(n: int) -> str:
    """The partial round's warning on a round's index page."""
    return (f"{count(n, 'row')} {plural(n, 'was')} left out because of errors; see the "
            "validation report.")
