"""The type every literal filter returns, and what every string filter refuses."""


class Code(str):
    """Source text made by a literal filter: safe to print into a template."""


def code_point(char: str, language: str) -> int:
    """The code point of `char`; ValueError for a lone surrogate, which no UTF-8 source holds."""
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        raise ValueError(f"a {language} string cannot hold the lone surrogate U+{code:04X}")
    return code
