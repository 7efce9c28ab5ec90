"""hw4: compute, explain, check and train everything in Homework 4 (neural networks)."""

__version__ = "0.1.0"
