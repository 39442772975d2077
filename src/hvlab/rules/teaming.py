"""HV rules on teaming (see :mod:`hvlab.rules.registry`)."""

from __future__ import annotations
