"""VisualDL: a desktop lab where a student sees deep learning work.

``visualdl.engine`` and ``visualdl.data`` are pure NumPy (no Qt) and can be
scripted from a notebook; ``visualdl.ui`` and ``visualdl.labs`` are the thin
Qt layer that draws the engine's snapshots.
"""
__version__ = "0.1.0"
