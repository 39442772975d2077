"""Time for hvlab: the discrete-event simulator.

Time lives only here (DESIGN.md, rule 3). Every other package is a pure function of
``(Lab, Condition)``; the simulator turns faults into Conditions over time and asks the
engines how long each change takes to take effect.

Naming and units
----------------
* Simulation time is an exact integer number of **milliseconds** since the start of a
  scenario (``t=0``). Nothing in here uses floats for time, so two runs of the same
  scenario give the same timeline, byte for byte.
* The timers themselves (heartbeat Delay x Threshold, LACP timeouts, STP forward delay,
  health-check interval x retries, ...) are *data*, kept with their sources in
  :mod:`hvlab.defaults`; the simulator only schedules them.

Who does what
-------------
* :mod:`hvlab.sim.kernel` -- the event heap: ``schedule``, ``cancel``, ``step``,
  ``run(until=)``. It knows nothing about labs, faults or engines.
* Scenario, fault and timer modules (added alongside) build on the kernel.
"""
