"""The type every literal filter returns."""


class Code(str):
    """Source text made by a literal filter: safe to print into a template."""
