"""Territories: definitions → areas (territories and their comparators), and their outlines."""
