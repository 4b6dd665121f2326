"""What several labs share: widget helpers (``widgets``) and the one class/run palette (``palette``).

Nothing here knows a lab by name; labs import from here, never the other way round.
"""
