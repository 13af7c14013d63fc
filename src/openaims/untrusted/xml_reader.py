"""XML from untrusted files: defusedxml's expat parser (no DTDs, entities or external
references), an element tree that records each element's line, and bounds on depth
and element count checked as each element starts."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml.common import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from openaims.untrusted.interface import DEFAULT_LIMITS, InputError, Limits, Problem
from openaims.untrusted.source import text_of

#: Attribute in which each element keeps the line it starts on (see :func:`xml_line`).
LINE_ATTR = "{urn:openaims}line"

_FORBIDDEN = {
    "DTDForbidden": "has a document type declaration (<!DOCTYPE>), which is refused",
    "EntitiesForbidden": "declares entities, which are refused",
    "ExternalReferenceForbidden": "refers to an external resource, which is refused",
}


class _Bounded(TreeBuilder):
    def __init__(self, source: str, limits: Limits) -> None:
        super().__init__()
        self.source = source
        self.limits = limits
        self.parser: DefusedXMLParser | None = None
        self.depth = 0
        self.count = 0

    def _line(self) -> int | None:
        return int(self.parser.parser.CurrentLineNumber) if self.parser is not None else None

    def start(self, tag: Any, attrs: dict[Any, Any]) -> Element:
        self.depth += 1
        self.count += 1
        if self.depth > self.limits.max_depth:
            raise InputError(
                self.source,
                f"nested deeper than {self.limits.max_depth} levels",
                line=self._line(),
                problem=Problem.TOO_DEEP,
            )
        if self.count > self.limits.max_elements:
            raise InputError(
                self.source,
                f"holds more than {self.limits.max_elements} elements",
                line=self._line(),
                problem=Problem.TOO_MANY,
            )
        attrs = dict(attrs)
        line = self._line()
        if line is not None:
            attrs[LINE_ATTR] = str(line)
        return super().start(tag, attrs)

    def end(self, tag: Any) -> Element:
        self.depth -= 1
        return super().end(tag)


def read_xml(data: str | bytes, source: str = "<xml>", *, limits: Limits = DEFAULT_LIMITS) -> Element:
    """The root element of an XML document within ``limits``; each element carries its
    start line in :data:`LINE_ATTR`. :class:`InputError` for anything else, DTDs included."""
    text = text_of(data, source, limits)
    builder = _Bounded(source, limits)
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    builder.parser = parser
    try:
        parser.feed(text)
        root: Element = parser.close()
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        reason = str(exc).split(": line", 1)[0]
        raise InputError(source, f"not valid XML: {reason}", line=line) from None
    except DefusedXmlException as exc:
        what = _FORBIDDEN.get(type(exc).__name__, "a construct that is refused")
        raise InputError(source, f"{what}; plain XML only", line=builder._line(), problem=Problem.FORBIDDEN) from None
    except (ValueError, RecursionError) as exc:  # pragma: no cover - expat is iterative
        raise InputError(source, f"not valid XML: {exc}") from None
    return root


def xml_line(element: Element) -> int:
    """The line an element of a :func:`read_xml` tree starts on (1 when unknown)."""
    try:
        return int(element.get(LINE_ATTR, "1"))
    except ValueError:
        return 1
