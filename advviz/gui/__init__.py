"""The advviz desktop window (Qt). Nothing in :mod:`advviz.core` imports this package."""
