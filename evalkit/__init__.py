"""evalkit: evaluate LLM outputs for PoC decisions (continue / redesign / stop).

The package root stays import-light on purpose (`evalkit --help` must be fast): it only
holds the version. Public values live in `evalkit.values`, errors in `evalkit.errors`.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
