"""The advviz desktop window (Qt). Nothing in :mod:`advviz.core` imports this package."""

from advviz.gui.qtfix import protect_true

protect_true()  # PySide6 6.12.0's Signal.emit reference leak (see qtfix)
