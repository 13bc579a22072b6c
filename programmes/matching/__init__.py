"""Matching peers to engagements: hard filters, explained scores, suggestions, allocation.

Entry points (also used by the benchmark):

- ``suggestions_for(engagement, *, weights=None, limit=10)`` → ``Suggestions``
- ``allocate(engagements, *, weights=None, time_limit=None, progress=None)`` → ``AllocationResult``
  (CP-SAT; ``.objective``; the time limit defaults to settings.MATCHING_SOLVER_SECONDS and
  bounds the whole solve, never below the greedy baseline)
- ``allocate_greedy(engagements, *, weights=None)`` → ``AllocationResult`` (the baseline)
"""

from programmes.matching.allocation import allocate, allocate_greedy, build_instance
from programmes.matching.suggestions import suggestions_for

__all__ = ["allocate", "allocate_greedy", "build_instance", "suggestions_for"]
