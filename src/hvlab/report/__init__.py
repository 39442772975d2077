"""Rendering of every answer: Rich text for people, JSON for scripts, SARIF for CI, HTML.

Engines and the API return plain data; only this package knows about terminals
and file formats. Output files are written atomically (:func:`write_atomic`).
"""

from hvlab.report.files import write_atomic

__all__ = ["write_atomic"]
