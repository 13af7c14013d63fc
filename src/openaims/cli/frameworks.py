"""``aims frameworks list|show|crosswalk``: the framework catalogues and the crosswalk."""

from __future__ import annotations

import enum
import json
from typing import Any, assert_never

import typer
from rich.markup import escape

from openaims.cli.console import console
from openaims.frameworks.loader import EXPECTED_COUNTS, Catalogue, Framework, Item, crosswalk_many, load_catalogue
from openaims.layout import Column, print_table


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
        rows = [
            (fw.id, fw.catalogue_version, fw.name, ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items()))
            for fw in cat.frameworks.values()
            for counts in [_counts(fw)]
        ]
        columns = (Column("Id"), Column("Catalogue"), Column("Name", under=True, wrap=True),
                   Column("Contents", under=True, wrap=True, style="dim"))  # fmt: skip
        print_table(console, columns, rows, title="Framework catalogues")
        console.print()
        links = [(m.id, f"{m.left} and {m.right}", str(len(m.rows))) for m in cat.mappings.values()]
        print_table(console, (Column("Id"), Column("Between", min_width=16), Column("Rows", justify="right")), links,
                    title="Crosswalks")  # fmt: skip
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
            rows = [
                (i.label, i.kind.replace("_", " "), ", ".join(i.source), i.title)
                for i in fw.items.values()
                if i.kind not in ("documented_information", "milestone")
            ]
            print_table(console, _ITEM_COLUMNS, rows)
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


_ITEM_COLUMNS = (
    Column("Id"),
    Column("Kind"),
    Column("Source", min_width=12, drop=1),
    Column("Title", under=True, wrap=True),
)
_RELATED_COLUMNS = (
    Column("Framework"),
    Column("Id", min_width=10),
    Column("Relation"),
    Column("Source", min_width=10, drop=2),
    Column("Via", min_width=8, drop=1),
    Column("Title", under=True, wrap=True),
)


def _print_related(related: Any) -> None:
    rows = [
        (rel.item.framework, rel.item.label, rel.relation, rel.source, rel.via or "", rel.item.title)
        for rel in related
    ]
    print_table(console, _RELATED_COLUMNS, rows, title="Crosswalk")


def _render_related(cat: Catalogue, item: Item) -> None:
    result = cat.crosswalk(item.ref)
    if not result.related:
        console.print("No crosswalk rows for this item.")
        return
    console.print(escape(result.summary()))
    _print_related(result.related)


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
        _print_related(combined.related)
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
