"""Indicator functions: one module per family; :mod:`.compute` assembles them for every area in one pass.

Nothing is imported here: a report that needs one constant of a family must not load every family (and scipy).
"""
