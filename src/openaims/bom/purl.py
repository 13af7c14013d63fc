"""Package URLs (purl) for the packages and models a scan finds.

Names arrive in the scanner's canonical form (PEP 503 for PyPI,
``group:artifact`` for Maven, the module path for Go, the npm name with its
scope); this module splits them into purl namespace and name as the purl
specification asks for each type, and lets packageurl-python do the encoding.
"""

from __future__ import annotations

from packageurl import PackageURL
from packaging.utils import canonicalize_name

#: Ecosystems (purl types) the scanner reports.
ECOSYSTEMS = frozenset({"pypi", "npm", "golang", "maven", "cargo", "nuget", "gem"})



def _checked(
    *,
    type: str,
    name: str,
    namespace: str | None = None,
    version: str | None = None,
    subpath: str | None = None,
) -> PackageURL | None:
    """The purl, or ``None`` when its string form does not read back as the same
    purl (names made only of separators or dots, and similar oddities)."""
    try:
        purl = PackageURL(type=type, namespace=namespace, name=name, version=version, subpath=subpath)
        text = purl.to_string()
        back = PackageURL.from_string(text)
    except (ValueError, TypeError):
        return None
    if back.to_string() != text or not back.name:
        return None
    return purl


def package_purl(ecosystem: str, name: str, version: str | None = None) -> PackageURL | None:
    """The purl of a package, or ``None`` for an ecosystem purl does not cover
    or a name that cannot be split as the type requires."""
    name = name.strip()
    if not name:
        return None
    namespace: str | None = None
    if ecosystem == "pypi":
        name = canonicalize_name(name)
    elif ecosystem == "npm":
        if name.startswith("@"):
            if "/" not in name:
                return None
            namespace, name = name.split("/", 1)
    elif ecosystem == "maven":
        if ":" not in name:
            return None
        namespace, name = name.split(":", 1)
        name = name.split(":", 1)[0]
    elif ecosystem == "golang":
        if "/" in name:
            namespace, name = name.rsplit("/", 1)
    elif ecosystem in ("cargo", "gem", "nuget"):
        pass
    else:
        return None
    if not name or namespace == "":
        return None
    return _checked(type=ecosystem, namespace=namespace, name=name, version=version or None)


def huggingface_purl(repo_id: str, revision: str | None = None) -> PackageURL | None:
    """The purl of a Hugging Face Hub model (``pkg:huggingface/org/name``)."""
    repo_id = repo_id.strip().strip("/")
    if not repo_id:
        return None
    namespace, _, name = repo_id.rpartition("/")
    return _checked(type="huggingface", namespace=namespace or None, name=name, version=revision)


def github_action_purl(uses: str) -> PackageURL | None:
    """The purl of a GitHub Action reference ``owner/repo[/path]@ref`` (``None``
    for ``docker://`` images and local ``./`` actions)."""
    ref: str | None = None
    target = uses.strip()
    if target.startswith(("docker://", "./", "../", "/")) or ":" in target.split("@", 1)[0]:
        return None  # a container image or a local action, not a repository
    if "@" in target:
        target, ref = target.rsplit("@", 1)
    parts = [p for p in target.split("/") if p]
    if len(parts) < 2:
        return None
    subpath = "/".join(parts[2:]) or None
    return _checked(type="github", namespace=parts[0], name=parts[1], version=ref or None, subpath=subpath)
