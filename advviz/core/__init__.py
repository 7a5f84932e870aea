"""The model of advviz: data, models, attacks and analyses.

Imports torch and numpy only — never Qt — so the CLI, the tests and the window share it.
Long jobs are generators of small typed steps (see :mod:`advviz.core.steps`).
"""
