"""specc: a declarative spec compiler for safe backend changes.

Pipeline: loader -> validate -> lower -> targets (emit) -> writer.
"""

__version__ = "0.1.0"
