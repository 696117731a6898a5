"""Backroom: the operations backbone of an online store."""

__version__ = "0.1.0"
