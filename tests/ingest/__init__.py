"""Tests of :mod:`hvlab.ingest`: the importers of real Windows exports."""
