"""Shipping: carriers, rate cards, rate shopping, labels, tracking and last-mile delivery routes."""
