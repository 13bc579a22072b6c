"""Renderers: every format of a report is made from one computed result (a dict)."""
