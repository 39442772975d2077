"""HV rules on network (see :mod:`hvlab.rules.registry`)."""

from __future__ import annotations
