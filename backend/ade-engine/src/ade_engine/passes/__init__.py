"""The passes of a run, one module each, sharing a :class:`~ade_engine.passes.context.RunContext`
(the order is :mod:`ade_engine.pipeline`'s)."""
