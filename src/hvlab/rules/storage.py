"""HV rules on storage (see :mod:`hvlab.rules.registry`)."""

from __future__ import annotations
