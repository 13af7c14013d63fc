"""Option values converted without pydantic when the result is certain.

Typer converts each parameter's value through a pydantic ``TypeAdapter`` that it builds the
first time the parameter is processed, and every parameter of the command that runs is
processed (defaults too). Importing pydantic and building those adapters was the larger part
of starting ``aims scan`` (about 0.1 s of CPU on an empty directory). :func:`quick_params`
gives each parameter a converter that handles the values whose result is certain without
pydantic, using Typer's own helpers for choices and paths: a text value as text, an integer
written in decimal digits, a flag's ``True``/``False``, an enum choice, a path, a list of
those. Anything else (another spelling, an invalid value, a parser, a date, a tuple, a file)
goes to Typer's own converter, built only then, so conversions and error messages stay
exactly Typer's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin

import typer.core
from typer._click import Context
from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer._param_types import coerce_cli_choice, coerce_cli_path, lenient_issubclass

#: The result is not certain without Typer's converter.
_UNSURE = object()
#: An integer pydantic reads as ``int(text)``: optional minus, decimal digits (no ``+``, ``_``, spaces).
_DECIMAL = re.compile(r"-?[0-9]{1,18}")


def _leaf(annotation: Any, descriptor: TypeDescriptor, value: Any, param: Any, ctx: Context) -> Any:
    """``value`` converted to ``annotation`` as Typer would, or ``_UNSURE``."""
    info = descriptor.parameter_info
    if info.parser is not None:
        return _UNSURE
    kind = type(value)
    if annotation is str:
        return value if kind is str else _UNSURE
    if annotation is bool:
        return value if kind is bool else _UNSURE
    if annotation is int:
        if kind is str and _DECIMAL.fullmatch(value):
            number = int(value)
        elif kind is int:
            number = value
        else:
            return _UNSURE
        if info.clamp or (info.min is not None and number < info.min) or (info.max is not None and number > info.max):
            return _UNSURE  # Typer's converter clamps or words the error
        return number
    if annotation is float:
        return value if kind is float and info.min is None and info.max is None else _UNSURE
    if descriptor.is_choice:
        choices = tuple(get_args(annotation)) if get_origin(annotation) is not None else tuple(annotation)
        try:
            return coerce_cli_choice(value, choices=choices, case_sensitive=info.case_sensitive, ctx=ctx)
        except ValueError:
            return _UNSURE  # Typer's converter words the error
    if descriptor.is_path:
        path_type: Any = info.path_type
        if path_type is None and lenient_issubclass(annotation, Path):
            path_type = annotation
        if lenient_issubclass(path_type, Path) and kind is str:
            value = path_type(value)  # what pydantic makes of a text value for a Path
        elif not (path_type is None or path_type is str or isinstance(value, Path)):
            return _UNSURE
        try:  # Typer's own check (exists, file or directory, readable...)
            return coerce_cli_path(value, info, path_type=path_type, param=param, ctx=ctx)
        except Exception:  # not lost: Typer's converter raises the same error, worded as Typer does
            return _UNSURE
    return _UNSURE


@dataclass(frozen=True)
class QuickRuntimeParam(RuntimeParam):
    """Typer's runtime conversion of one parameter, without pydantic where the result is certain."""

    descriptor: TypeDescriptor
    typer_param: list[RuntimeParam] = field(default_factory=list)  # Typer's converter, once built

    def _coerce_value(self, value: Any, param: Any, ctx: Context) -> Any:
        result = self._quick(value, param, ctx)
        if result is _UNSURE:
            if not self.typer_param:
                self.typer_param.append(build_runtime_param(self.descriptor))
            return self.typer_param[0]._coerce_value(value, param=param, ctx=ctx)
        return result

    def _quick(self, value: Any, param: Any, ctx: Context) -> Any:
        annotation: Any = self.descriptor.annotation
        if get_origin(annotation) is list:
            (item_type,) = get_args(annotation)
            items = value if isinstance(value, (list, tuple)) else [value]
            converted = [_leaf(item_type, self.descriptor, item, param, ctx) for item in items]
            return _UNSURE if any(item is _UNSURE for item in converted) else converted
        if get_origin(annotation) is not None and not self.descriptor.is_choice:
            return _UNSURE  # tuples, unions
        return _leaf(annotation, self.descriptor, value, param, ctx)


def quick_runtime_param(descriptor: TypeDescriptor) -> RuntimeParam:
    """The converter of one parameter: Typer's for files (no pydantic there), else the quick one."""
    if descriptor.file_annotation is not None:
        return build_runtime_param(descriptor)
    info, annotation = descriptor.parameter_info, descriptor.annotation
    return QuickRuntimeParam(parameter_info=info, annotation=annotation, descriptor=descriptor)


def install() -> None:
    """Make Typer give every parameter it processes the quick converter (see the module).

    Typer builds a parameter's converter when it first processes it, through the name
    ``build_runtime_param`` of ``typer.core``; that covers the ``--help`` option Click adds to
    each command too. Idempotent.
    """
    if getattr(typer.core, "build_runtime_param", None) is build_runtime_param:
        typer.core.build_runtime_param = quick_runtime_param  # type: ignore[attr-defined]
