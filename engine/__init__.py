"""The NumPy network engine: every number a drill shows is computed here.

Float64 throughout. Conventions follow PyTorch unless a docstring says otherwise.
Import the submodules directly (``from engine import activations``); this package
imports nothing of studyapp, textual, sqlalchemy or sympy.
"""
