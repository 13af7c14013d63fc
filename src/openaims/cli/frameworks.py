"""``aims frameworks list|show|crosswalk``: the framework catalogues and the crosswalk."""

from __future__ import annotations

import enum
import json
from typing import Any, assert_never

import typer
from rich.markup import escape
from rich.table import Table

from openaims.cli.console import console
from openaims.frameworks.loader import EXPECTED_COUNTS, Catalogue, Framework, Item, crosswalk_many, load_catalogue


class FrameworksFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


FormatOption = typer.Option(
    FrameworksFormat.TABLE, "--format", "-f", envvar="AIMS_LIST_FORMAT", help="Output format: table or json."
)
_COUNTED: dict[str, tuple[str, ...]] = {
    "iso42001": ("clause", "documented_information", "area", "objective", "control"),
    "nist-ai-rmf": ("function", "category", "subcategory"),
    "eu-ai-act": (
        "article",
        "prohibited_practice",
        "annex_iii_area",
        "annex_iii_point",
        "annex_i_legislation",
        "milestone",
    ),
    "iso27001": ("clause",),
}


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _counts(fw: Framework) -> dict[str, int]:
    kinds = _COUNTED.get(fw.id) or tuple(EXPECTED_COUNTS.get(fw.id, {}))
    return {kind: fw.count(kind) for kind in kinds}  # type: ignore[arg-type]


def _framework_summary(fw: Framework) -> dict[str, Any]:
    return {
        "id": fw.id,
        "name": fw.name,
        "edition": fw.edition,
        "catalogue_version": fw.catalogue_version,
        "checked_against": fw.checked_against,
        "counts": _counts(fw),
    }


def list_command(output_format: FrameworksFormat = FormatOption) -> None:
    """List the framework catalogues with their versions and counts."""
    cat = load_catalogue()
    if output_format is FrameworksFormat.JSON:
        _print_json(
            {
                "frameworks": [_framework_summary(fw) for fw in cat.frameworks.values()],
                "mappings": [
                    {"id": m.id, "left": m.left, "right": m.right, "rows": len(m.rows),
                     "catalogue_version": m.catalogue_version}
                    for m in cat.mappings.values()
                ],
            }
        )  # fmt: skip
    elif output_format is FrameworksFormat.TABLE:
        table = Table(title="Framework catalogues")
        for col in ("Id", "Name", "Catalogue", "Contents"):
            table.add_column(col, overflow="fold")
        for fw in cat.frameworks.values():
            contents = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in _counts(fw).items())
            table.add_row(fw.id, escape(fw.name), fw.catalogue_version, contents)
        console.print(table)
        mappings = Table(title="Crosswalks")
        for col in ("Id", "Between", "Rows"):
            mappings.add_column(col)
        for m in cat.mappings.values():
            mappings.add_row(m.id, f"{m.left} and {m.right}", str(len(m.rows)))
        console.print(mappings)
    else:
        assert_never(output_format)


def _item_detail(cat: Catalogue, item: Item) -> dict[str, Any]:
    fw = cat.framework(item.framework)
    data = item.to_dict()
    data["children"] = [{"id": c.id, "kind": c.kind, "title": c.title} for c in fw.children(item.id)]
    data["crosswalk"] = cat.crosswalk(item.ref).to_dict()["related"]
    return data


def show_command(
    target: str = typer.Argument(
        ..., help="A framework id (iso42001, nist-ai-rmf, eu-ai-act, iso27001) or an item id."
    ),
    output_format: FrameworksFormat = FormatOption,
) -> None:
    """Show a whole framework, or one item with its parts and related items."""
    cat = load_catalogue()
    fw = cat.frameworks.get(target.strip().lower())
    if fw is not None:
        if output_format is FrameworksFormat.JSON:
            data = _framework_summary(fw)
            data["sources"] = dict(fw.sources)
            data["items"] = [i.to_dict() for i in fw.items.values()]
            _print_json(data)
        elif output_format is FrameworksFormat.TABLE:
            console.print(f"[bold]{escape(fw.name)}[/] (catalogue {fw.catalogue_version})")
            console.print(f"Checked against: {escape(fw.checked_against)}", style="dim")
            table = Table()
            for col in ("Id", "Kind", "Title", "Source"):
                table.add_column(col, overflow="fold")
            for i in fw.items.values():
                if i.kind in ("documented_information", "milestone"):
                    continue
                table.add_row(i.label, i.kind.replace("_", " "), escape(i.title), ", ".join(i.source))
            console.print(table)
        else:
            assert_never(output_format)
        return
    item = cat.item(target)
    detail = _item_detail(cat, item)
    if output_format is FrameworksFormat.JSON:
        _print_json(detail)
    elif output_format is FrameworksFormat.TABLE:
        console.print(f"[bold]{escape(item.label)}[/] {escape(item.title)}  [dim]({item.framework}, {item.kind})[/]")
        console.print(f"Source: {', '.join(item.source)}", style="dim")
        for key, value in item.details.items():
            if key == "documented_information":
                for di in value:
                    console.print(f"  Documented information ({di['kind']}): {escape(di['what'])}")
            elif value not in (None, (), ""):
                shown = ", ".join(map(str, value)) if isinstance(value, tuple | list) else str(value)
                console.print(f"  {key.replace('_', ' ')}: {escape(shown)}")
        for child in detail["children"]:
            console.print(f"  - {escape(child['id'])} {escape(child['title'])}")
        _render_related(cat, item)
    else:
        assert_never(output_format)


def _render_related(cat: Catalogue, item: Item) -> None:
    result = cat.crosswalk(item.ref)
    if not result.related:
        console.print("No crosswalk rows for this item.")
        return
    console.print(escape(result.summary()))
    table = Table(title="Crosswalk")
    for col in ("Framework", "Id", "Title", "Relation", "Source", "Via"):
        table.add_column(col, overflow="fold")
    for rel in result.related:
        table.add_row(
            rel.item.framework,
            rel.item.label,
            escape(rel.item.title),
            rel.relation,
            rel.source,
            rel.via or "",
        )
    console.print(table)


def crosswalk_command(
    item_ids: list[str] = typer.Argument(
        ..., help="One or more item ids such as A.6.2.4, 'MEASURE 2.3', 'Art. 15' or iso27001:6.1.2."
    ),
    output_format: FrameworksFormat = FormatOption,
) -> None:
    """What items relate to in the other frameworks, each link with its source.

    Several ids give what they relate to together (e.g. the controls a risk treatment implements).
    """
    cat = load_catalogue()
    if len(item_ids) == 1:
        item = cat.item(item_ids[0])
        if output_format is FrameworksFormat.JSON:
            _print_json(cat.crosswalk(item.ref).to_dict())
        elif output_format is FrameworksFormat.TABLE:
            _render_related(cat, item)
        else:
            assert_never(output_format)
        return
    combined = crosswalk_many(item_ids, catalogue=cat)
    if output_format is FrameworksFormat.JSON:
        _print_json(combined.to_dict())
    elif output_format is FrameworksFormat.TABLE:
        console.print(escape(combined.summary()))
        table = Table(title="Crosswalk")
        for col in ("Framework", "Id", "Title", "Relation", "Source", "Via"):
            table.add_column(col, overflow="fold")
        for rel in combined.related:
            table.add_row(
                rel.item.framework, rel.item.label, escape(rel.item.title), rel.relation, rel.source, rel.via or ""
            )
        console.print(table)
    else:
        assert_never(output_format)


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        name="frameworks",
        help="Framework catalogues (ISO/IEC 42001, NIST AI RMF, EU AI Act, ISO/IEC 27001) and crosswalk.",
        no_args_is_help=True,
    )
    group.command("list")(list_command)
    group.command("show")(show_command)
    group.command("crosswalk")(crosswalk_command)
    app.add_typer(group)


__all__ = ["register"]
