"""Fulfillment: fulfillment orders, waves, pick lists and pick paths, packing and cartons.

Pure algorithms live in subpackages (``picking`` for pick paths, ``packing`` for
cartonization); use cases that touch the database sit beside them.
"""
