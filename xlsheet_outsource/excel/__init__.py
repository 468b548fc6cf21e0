"""Excel itself: the Decide macro and add-in (through xlwings), sheet grids, freeze.

``decide_caller``, ``decide_book`` and ``XlwingsBook`` are imported by name from here by
the main.py that `xlsheet-outsource addin` writes into users' add-ins: keep them here.
"""

from .macro import XlwingsBook, decide_book, decide_caller

__all__ = ["XlwingsBook", "decide_book", "decide_caller"]
