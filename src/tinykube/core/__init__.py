"""The pure decision core: desired pod + observed runtime state -> actions and API status.

Nothing here performs I/O, reads clocks or logs: `now` and every piece of state come in as
arguments, frozen values come out (see shared conventions: compute_*/generate_* are pure).
"""
