"""`python -m xlsheet_outsource`: the same as the xlsheet-outsource command."""

from .cli import main

main(prog_name="xlsheet-outsource")
