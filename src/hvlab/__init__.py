"""hvlab: a virtual lab for Hyper-V failover clusters and the networks under them.

One YAML lab file describes a site; :mod:`hvlab.model` holds it as immutable data,
the engines (:mod:`hvlab.teaming`, :mod:`hvlab.l2`, :mod:`hvlab.cluster`) compute
behaviour as pure functions of ``(Lab, Condition)``, :mod:`hvlab.sim` adds time,
:mod:`hvlab.rules` judges a design, :mod:`hvlab.ingest` builds a Lab from exports
of a real environment and :mod:`hvlab.report` renders every answer.
"""

__version__ = "0.1.0"
