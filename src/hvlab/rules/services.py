"""HV rules on services (see :mod:`hvlab.rules.registry`)."""

from __future__ import annotations
