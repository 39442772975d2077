"""The best-practice analyzer: declared rules over a lab and the engines' answers.

>>> from hvlab.rules import check_lab  # doctest: +SKIP
>>> [f.rule for f in check_lab(lab).findings]  # doctest: +SKIP
"""

from hvlab.rules.base import Context, Finding, Hit, Rule, Skip
from hvlab.rules.engine import CheckResult, check_lab, fails
from hvlab.rules.registry import RULES, load_rules, rule

__all__ = [
    "RULES",
    "CheckResult",
    "Context",
    "Finding",
    "Hit",
    "Rule",
    "Skip",
    "check_lab",
    "fails",
    "load_rules",
    "rule",
]
