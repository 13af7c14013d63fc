"""Every ``AIMS_*`` environment variable, typed, in one settings object.

The defaults suit a laptop: an SQLite register under ``.aims/`` in the current
directory. Outside development (``AIMS_ENVIRONMENT=prod``) the settings refuse
values that are only acceptable on a developer's machine.

Each field is one environment variable (``AIMS_`` + the field name in capitals).
Command options name the same variables as their environment default (``envvar=``);
``docs/settings.md`` is generated from this class and from the command options that
read each variable, and a test fails when an option reads a variable that is not a
field here, or when the page is out of date. Nothing else in the package reads
``AIMS_*`` variables from the environment.
"""

from __future__ import annotations

import enum
import ipaddress
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

#: Directory, relative to the working directory, that holds the embedded register.
DATA_DIR = ".aims"

_INSECURE_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev", "development"})



class Environment(enum.StrEnum):
    """Where OpenAIMS runs; production refuses development shortcuts."""

    DEV = "dev"
    PROD = "prod"


def default_database_url() -> str:
    """The embedded register: ``sqlite:///.aims/aims.db`` under the current directory."""
    return f"sqlite:///{(Path.cwd() / DATA_DIR / 'aims.db').as_posix()}"


def _group(name: str) -> dict[str, Any]:
    return {"group": name}


REGISTER = _group("Register")
WEB = _group("Web application")
SCAN = _group("aims scan and aims inventory sync")
CHECK = _group("aims check, aims baseline and aims lint")
REPORTS = _group("Reports, classification and listings")
DATA = _group("Import, export and demo data")
ORG = _group("Organisation scans and workers")
TUNING = _group("Tuning and troubleshooting")

ListFormat = Literal["table", "json"]


class Settings(BaseSettings):
    """Process-wide settings. Every field maps to an ``AIMS_`` environment variable."""

    model_config = SettingsConfigDict(env_prefix="AIMS_", extra="ignore")

    # ------------------------------------------------------------------ register
    database_url: str = Field(
        default_factory=default_database_url,
        description="The register database: `sqlite:///PATH` or `postgresql+psycopg://USER:PASSWORD@HOST/DB`. "
        "Default: `.aims/aims.db` under the working directory.",
        json_schema_extra=REGISTER,
    )
    evidence_dir: Path | None = Field(
        default=None,
        description="Folder of evidence files, stored by SHA-256. Default: `evidence/` beside an SQLite "
        "register; required with PostgreSQL.",
        json_schema_extra=REGISTER,
    )
    actor: str = Field(
        default="",
        description="Who the command line acts as in the history on a register without accounts. "
        "Default: the operating-system user. Refused on a register with accounts: sign in with `aims login`.",
        json_schema_extra=REGISTER,
    )
    token: SecretStr | None = Field(
        default=None,
        description="An API token the command line signs in with on a register with accounts "
        "(instead of the one `aims login` stored), e.g. in CI.",
        json_schema_extra=REGISTER,
    )
    config_dir: Path | None = Field(
        default=None,
        description="Folder where `aims login` keeps its sign-ins (readable by you only). "
        "Default: your configuration folder, e.g. `~/.config/openaims`.",
        json_schema_extra=REGISTER,
    )
    environment: Environment = Field(
        default=Environment.DEV,
        description="`dev` or `prod`; `prod` refuses insecure settings (a weak secret key, SQL echo, "
        "the default PostgreSQL password).",
        json_schema_extra=REGISTER,
    )
    sql_echo: bool = Field(
        default=False, description="Log every SQL statement (development only).", json_schema_extra=REGISTER
    )
    key_file: Path | None = Field(
        default=None,
        description="The organisation's Ed25519 signing key (`aims keys init`), kept outside the database; "
        "its public half is `NAME.pub.pem` beside it. Default: `organisation-key.pem` in `AIMS_CONFIG_DIR`, "
        "else in `openaims/` under `$XDG_CONFIG_HOME` (or `~/.config`).",
        json_schema_extra=REGISTER,
    )
    key_passphrase: str = Field(
        default="",
        description="Passphrase that encrypts the organisation key file (`aims keys init`) and opens it. "
        "Default: the key file is not encrypted (it is readable only by its owner).",
        json_schema_extra=REGISTER,
    )
    public_key_file: Path | None = Field(
        default=None,
        description="Public key that `aims history verify --checkpoint` checks signatures with, for someone "
        "who holds only the public key. Default: the public half of `AIMS_KEY_FILE`.",
        json_schema_extra=REGISTER,
    )
    pg_bin_dir: Path | None = Field(
        default=None,
        description="Folder of the PostgreSQL client tools `aims backup` and `aims restore` run (`pg_dump`, "
        "`pg_restore`). Default: the ones on `PATH`, else the newest under `/usr/lib/postgresql`.",
        json_schema_extra=REGISTER,
    )
    lifecycle_file: Path | None = Field(
        default=None,
        description="The organisation's AI system life cycle: stages, the criteria for entering each, and the "
        "decommissioning checklist (YAML, see docs/lifecycle.md). Default: the built-in life cycle.",
        json_schema_extra=REGISTER,
    )
    playbooks_file: Path | None = Field(
        default=None,
        description="The organisation's incident playbooks per severity and EU AI Act reporting deadlines "
        "(YAML, see docs/incidents.md). Default: the built-in playbooks.",
        json_schema_extra=REGISTER,
    )
    security_review_independent: bool = Field(
        default=True,
        description="`aims review complete` refuses the AI system's owner: someone else approves its security "
        "review.",
        json_schema_extra=REGISTER,
    )
    organisation: str = Field(
        default="Our organisation",
        description="Organisation name printed on reports (SoA, readiness).",
        json_schema_extra=REPORTS,
    )

    # ------------------------------------------------------------------ web
    secret_key: str = Field(
        default="",
        description="Key that signs web sessions; at least 32 random characters outside development. "
        "Default in development: a random key per start.",
        json_schema_extra=WEB,
    )
    host: str = Field(default="127.0.0.1", description="Address `aims serve` listens on.", json_schema_extra=WEB)
    port: int = Field(
        default=8000, ge=1, le=65535, description="Port `aims serve` listens on (1-65535).", json_schema_extra=WEB
    )
    web_workers: int = Field(
        default=1, ge=1, le=64, description="Web server processes of `aims serve` (1-64).", json_schema_extra=WEB
    )
    cookie_secure: bool = Field(
        default=False,
        description="Send session cookies over HTTPS only (always on when `AIMS_ENVIRONMENT=prod`).",
        json_schema_extra=WEB,
    )
    session_idle_minutes: int = Field(
        default=60, ge=1, le=24 * 60, description="Sign-out after this many idle minutes (1-1440).",
        json_schema_extra=WEB,
    )  # fmt: skip
    login_attempts_per_minute: int = Field(
        default=10, ge=1, le=1000, description="Sign-in attempts allowed per client address per minute.",
        json_schema_extra=WEB,
    )  # fmt: skip
    evidence_upload_max_mb: int = Field(
        default=25, ge=1, le=512,
        description="Largest evidence file the web app accepts as an upload, in MiB (1-512); a larger file is "
        "refused on the form. Files added with `aims evidence add-file` may be up to 512 MiB.",
        json_schema_extra=WEB,
    )  # fmt: skip
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Reverse proxies (addresses or networks, comma-separated) whose `X-Forwarded-For` names "
        "the client for rate limits and lockouts. Default: none; the header is ignored.",
        json_schema_extra=WEB,
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="OpenID Connect issuer URL (as the ID tokens name it); sign-in with OIDC is on when the "
        "issuer, client id and client secret are set. Accounts are matched on the issuer and subject.",
        json_schema_extra=WEB,
    )
    oidc_client_id: str | None = Field(
        default=None, description="OpenID Connect client id.", json_schema_extra=WEB
    )
    oidc_client_secret: str | None = Field(
        default=None, description="OpenID Connect client secret.", json_schema_extra=WEB
    )
    oidc_default_role: Literal["none", "viewer", "auditor", "contributor", "aims_manager"] = Field(
        default="none",
        description="Role of the account created when an OIDC identity (issuer and subject) that no account "
        "holds signs in; `none` (default) refuses it until an admin links it (`aims user link-oidc`).",
        json_schema_extra=WEB,
    )

    # ------------------------------------------------------------------ scan
    scan_path: Path = Field(
        default=Path("."), description="Directory `aims scan` and `aims inventory sync` scan.", json_schema_extra=SCAN
    )
    scan_format: Literal["table", "json", "cyclonedx", "cyclonedx-xml", "spdx"] = Field(
        default="table", description="Output format of `aims scan`.", json_schema_extra=SCAN
    )
    scan_output: Path | None = Field(
        default=None, description="File `aims scan` writes its output to.", json_schema_extra=SCAN
    )
    scan_details: bool = Field(
        default=False,
        description="`aims scan` lists every finding instead of a summary for large results.",
        json_schema_extra=SCAN,
    )
    since: str | None = Field(
        default=None,
        description="Git revision: `aims scan` reads only files changed since it.",
        json_schema_extra=SCAN,
    )
    include_vendored: bool = Field(
        default=False, description="Also scan vendored and build directories.", json_schema_extra=SCAN
    )
    max_file_size: str = Field(
        default="2MB", description="Largest file the text detectors read (e.g. `2MB`, `512KB`); manifests and lock "
        "files are read up to 64 MB.",
        json_schema_extra=SCAN,
    )  # fmt: skip
    jobs: int | None = Field(
        default=None, ge=1, description="Scan worker processes. Default: one per CPU.", json_schema_extra=SCAN
    )
    timeout: float | None = Field(
        default=None,
        gt=0,
        description="Wall-clock seconds `aims scan` and `aims check` may spend scanning; past it the scan stops "
        "and lists the files it did not scan (`aims check` then fails). Default: no budget.",
        json_schema_extra=SCAN,
    )
    file_timeout: float = Field(
        default=5.0,
        ge=0,
        description="Wall-clock seconds the scan may spend on one file; a file it cuts short is reported "
        "unscanned with the reason (`aims check` fails on it). `0`: no budget.",
        json_schema_extra=SCAN,
    )
    cyclonedx_version: Literal["1.6", "1.7"] = Field(
        default="1.6", description="CycloneDX version of the ML-BOM.", json_schema_extra=SCAN
    )
    no_progress: bool = Field(default=False, description="No progress bar.", json_schema_extra=SCAN)
    scan_register: bool = Field(
        default=False, description="`aims scan` also records the components in the register.",
        json_schema_extra=SCAN,
    )  # fmt: skip
    system: str | None = Field(
        default=None, description="AI system (e.g. `SYS-3`) synced components belong to.", json_schema_extra=SCAN
    )
    repository: str | None = Field(
        default=None,
        description="Name of the scanned repository in the register. Default: the directory name.",
        json_schema_extra=SCAN,
    )

    # ------------------------------------------------------------------ check, baseline, lint
    check_path: Path = Field(
        default=Path("."), description="Tree `aims check` and `aims baseline create` read.", json_schema_extra=CHECK
    )
    policy: Path | None = Field(
        default=None,
        description="Policy file. Default: `aims-policy.yaml` in the checked tree, else the built-in policy.",
        json_schema_extra=CHECK,
    )
    check_format: Literal["text", "json", "sarif", "junit", "github"] = Field(
        default="text", description="Report format of `aims check`.", json_schema_extra=CHECK
    )
    check_output: Path | None = Field(
        default=None, description="File `aims check` writes its report to.", json_schema_extra=CHECK
    )
    diff_base: str | None = Field(
        default=None,
        description="Git revision: `aims check` judges only files changed since it.",
        json_schema_extra=CHECK,
    )
    staged: bool = Field(
        default=False, description="`aims check` judges what is staged for commit.", json_schema_extra=CHECK
    )
    baseline: Path | None = Field(
        default=None, description="Baseline file: violations in it do not fail.", json_schema_extra=CHECK
    )
    allow_unparsed: bool = Field(
        default=False,
        description="`aims check` reports manifests it cannot read fully as warnings instead of failing.",
        json_schema_extra=CHECK,
    )
    policy_strict: bool = Field(
        default=False, description="`aims policy validate` exits 1 when the policy has warnings.",
        json_schema_extra=CHECK,
    )  # fmt: skip
    lint_format: Literal["text", "json"] = Field(
        default="text", description="Output format of `aims lint`.", json_schema_extra=CHECK
    )
    lint_fail_at: Literal["info", "low", "medium", "high", "critical"] = Field(
        default="high", description="Lowest severity that makes `aims lint` exit 1.", json_schema_extra=CHECK
    )

    # ------------------------------------------------------------------ organisation scans and workers
    broker_url: str | None = Field(
        default=None,
        description="Celery broker of the scan workers, e.g. `redis://redis:6379/0`. When set, `aims org scan` "
        "queues one job per repository for `aims worker` processes; unset (the default) it scans in-process.",
        json_schema_extra=ORG,
    )
    result_backend: str | None = Field(
        default=None,
        description="Celery result backend of the scan workers. Default: the broker (`AIMS_BROKER_URL`).",
        json_schema_extra=ORG,
    )
    visibility_timeout: int = Field(
        default=3600,
        ge=10,
        le=7 * 24 * 3600,
        description="Seconds after which a job a worker took but never acknowledged (the worker died) goes "
        "back to the queue (10-604800); longer than the slowest repository scan.",
        json_schema_extra=ORG,
    )
    job_retries: int = Field(
        default=3,
        ge=0,
        le=20,
        description="How often a job that failed for a passing reason (the register or the git server "
        "unreachable) is tried again, with exponential back-off (0-20).",
        json_schema_extra=ORG,
    )
    org_workers: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description="Scan processes of an in-process `aims org scan` (1-256). Default: one per CPU.",
        json_schema_extra=ORG,
    )
    org_cache_dir: Path | None = Field(
        default=None,
        description="Folder of the shallow clones organisation scans fetch. Default: `org-cache/` beside an "
        "SQLite register, else `openaims/org-cache` under the user's cache folder.",
        json_schema_extra=ORG,
    )
    org_cache_mb: int = Field(
        default=10240,
        ge=10,
        description="Most disk the clone cache may use, in MB; the least recently scanned clones are removed "
        "beyond it (a clone being scanned never is).",
        json_schema_extra=ORG,
    )
    org_policy: Path | None = Field(
        default=None,
        description="Organisation policy file `aims check` also judges the tree by (its rules cannot be removed by "
        "the tree's own `aims-policy.yaml`). Default with `--push`: the policy in force on the server.",
        json_schema_extra=CHECK,
    )
    server_url: str | None = Field(
        default=None,
        description="OpenAIMS server that `aims check --push` sends check results to, e.g. "
        "`https://aims.example.com` (with `AIMS_TOKEN`, a `ci` account's token).",
        json_schema_extra=CHECK,
    )

    # ------------------------------------------------------------------ reports and listings
    list_format: ListFormat = Field(
        default="table",
        description="Output format of listings (`aims risk list`, `aims soa show`, `aims user list`, ...).",
        json_schema_extra=REPORTS,
    )
    readiness_format: Literal["table", "json", "html"] = Field(
        default="table", description="Output format of `aims readiness`.", json_schema_extra=REPORTS
    )
    readiness_framework: Literal["iso42001", "nist-ai-rmf", "eu-ai-act"] = Field(
        default="iso42001", description="Framework view of `aims readiness`.", json_schema_extra=REPORTS
    )
    readiness_since: Path | None = Field(
        default=None, description="Earlier JSON readiness report to compare with.", json_schema_extra=REPORTS
    )
    readiness_date: str | None = Field(
        default=None, description="Day readiness is evaluated as of (YYYY-MM-DD).", json_schema_extra=REPORTS
    )
    readiness_remember: bool = Field(
        default=True, description="Store each readiness run in the register.", json_schema_extra=REPORTS
    )
    readiness_stage1: Path | None = Field(
        default=None, description="Stage 1 readiness report to write (.html or .pdf).", json_schema_extra=REPORTS
    )
    pack_scope: str | None = Field(
        default=None,
        description="What `aims pack` covers: `stage1`, `stage2`, `control A.x.y` or `system SYS-ID` "
        "(default: everything).",
        json_schema_extra=REPORTS,
    )
    pack_as_of: str | None = Field(
        default=None,
        description="Day (YYYY-MM-DD) whose register `aims pack` packs, read from the history (default: now).",
        json_schema_extra=REPORTS,
    )
    oscal_system: str | None = Field(
        default=None, description="AI system whose component definition `aims oscal export` writes (default: all).",
        json_schema_extra=REPORTS,
    )
    oscal_as_of: str | None = Field(
        default=None, description="Day `aims oscal export` reads the register as of (YYYY-MM-DD).",
        json_schema_extra=REPORTS,
    )
    classify_format: Literal["table", "json", "yaml"] = Field(
        default="table", description="Output format of `aims classify`.", json_schema_extra=REPORTS
    )
    classify_answers: Path | None = Field(
        default=None, description="YAML answers file for `aims classify`.", json_schema_extra=REPORTS
    )
    classify_store: bool = Field(
        default=True, description="`aims classify` stores the outcome on the AI system.", json_schema_extra=REPORTS
    )
    classify_date: str | None = Field(
        default=None, description="Day `aims classify` decides as of (YYYY-MM-DD).", json_schema_extra=REPORTS
    )

    # ------------------------------------------------------------------ import, export, demo data
    dry_run: bool = Field(
        default=False, description="Imports report what they would change and write nothing.", json_schema_extra=DATA
    )
    force: bool = Field(
        default=False, description="`aims policy init` overwrites an existing file.", json_schema_extra=DATA
    )
    merge: bool = Field(
        default=False,
        description="`aims import` adds an export's records to a register that has a history of its own "
        "(recorded as an import event); without it such an import is refused.",
        json_schema_extra=DATA,
    )
    demo_scale: int = Field(
        default=1, ge=1, description="Business units `aims demo-data` creates.", json_schema_extra=DATA
    )
    demo_reset: bool = Field(
        default=False, description="`aims demo-data` empties the register first.", json_schema_extra=DATA
    )
    demo_scan: Path | None = Field(
        default=None,
        description="Repository `aims demo-data` scans. Default: the sample repository shipped with OpenAIMS.",
        json_schema_extra=DATA,
    )
    demo_today: str | None = Field(
        default=None, description="Day the demo data is relative to (YYYY-MM-DD).", json_schema_extra=DATA
    )

    # ------------------------------------------------------------------ tuning
    prefilter_engine: Literal["auto", "hyperscan", "re"] = Field(
        default="auto",
        description="Pattern engine of the scan prefilter: `hyperscan` when installed (`auto`), or Python's `re`.",
        json_schema_extra=TUNING,
    )
    cache_dir: Path | None = Field(
        default=None,
        description="Cache of compiled scan patterns. Default: `$XDG_CACHE_HOME/openaims` or `~/.cache/openaims`.",
        json_schema_extra=TUNING,
    )
    debug: bool = Field(
        default=False,
        description="Show the full traceback of an internal error instead of one line.",
        json_schema_extra=TUNING,
    )

    @model_validator(mode="before")
    @classmethod
    def _empty_is_unset(cls, data: Any) -> Any:
        """``AIMS_X=`` means "not set", as it does for the command options; an empty register URL
        stays an error (it names no database)."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v != "" or k == "database_url"}
        return data

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: Any) -> list[str]:
        items = value.split(",") if isinstance(value, str) else list(value or [])
        networks: list[str] = []
        for item in (str(i).strip() for i in items):
            if not item:
                continue
            try:
                networks.append(str(ipaddress.ip_network(item, strict=False)))
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network") from None
        return networks

    @model_validator(mode="after")
    def _refuse_insecure_outside_development(self) -> Settings:
        if self.environment is Environment.DEV:
            return self
        problems: list[str] = []
        if self.secret_key.strip().lower() in _INSECURE_SECRETS or len(self.secret_key) < 32:
            problems.append("AIMS_SECRET_KEY must be a random value of at least 32 characters")
        if self.sql_echo:
            problems.append("AIMS_SQL_ECHO must be off (it logs record contents)")
        if self.database_url.startswith("postgresql") and ":postgres@" in self.database_url:
            problems.append("AIMS_DATABASE_URL uses the default 'postgres' password")
        if problems:
            raise ValueError("insecure settings for AIMS_ENVIRONMENT=prod: " + "; ".join(problems))
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(n) for n in self.trusted_proxies]

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

    def evidence_folder(self) -> Path:
        """Where evidence files are kept: ``AIMS_EVIDENCE_DIR``, else beside an SQLite register.

        A server database has no "beside": with PostgreSQL the folder must be configured.
        """
        if self.evidence_dir is not None:
            return self.evidence_dir
        if self.is_sqlite:
            path = _sqlite_file(self.database_url)
            if path is not None:
                return path.parent / "evidence"
            return Path.cwd() / DATA_DIR / "evidence"
        from openaims.errors import UsageError

        raise UsageError(
            "AIMS_EVIDENCE_DIR is required with a PostgreSQL register: set it to a folder every "
            "aims process can read and write"
        )

    def org_cache_folder(self) -> Path:
        """Where organisation scans keep their clones: ``AIMS_ORG_CACHE_DIR``, else beside an SQLite
        register, else under the user's cache folder (``XDG_CACHE_HOME`` or ``~/.cache``)."""
        if self.org_cache_dir is not None:
            return self.org_cache_dir
        if self.is_sqlite:
            path = _sqlite_file(self.database_url)
            if path is not None:
                return path.parent / "org-cache"
        import os

        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "openaims" / "org-cache"

    def key_path(self) -> Path:
        """The organisation key file: ``AIMS_KEY_FILE``, else in the configuration folder (``AIMS_CONFIG_DIR``)."""
        if self.key_file is not None:
            return self.key_file
        if self.config_dir is not None:
            return self.config_dir / "organisation-key.pem"
        import os

        base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        return Path(base) / "openaims" / "organisation-key.pem"

    def cache_folder(self) -> Path:
        """Where compiled prefilter databases are kept."""
        if self.cache_dir is not None:
            return self.cache_dir
        import os

        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "openaims"


def _sqlite_file(url: str) -> Path | None:
    """The database file of an ``sqlite:///PATH`` URL (None in memory)."""
    from urllib.parse import unquote

    rest = url.split(":///", 1)[1] if ":///" in url else ""
    rest = unquote(rest.split("?", 1)[0])
    if not rest or rest == ":memory:":
        return None
    return Path(rest)


def variable(field: str) -> str:
    """The environment variable of a settings field (``database_url`` -> ``AIMS_DATABASE_URL``)."""
    return "AIMS_" + field.upper()


def load_settings() -> Settings:
    """Read settings from the environment; invalid values become a clear UsageError."""
    from pydantic import ValidationError

    from openaims.errors import UsageError

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first.get("loc") or ()
        name = variable(str(loc[0])) if loc else "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        if loc:
            raise UsageError(f"invalid {name}: {_plain(first)}") from None
        raise UsageError(f"invalid settings: {message}") from None


def _plain(error: Any) -> str:
    """A pydantic error in the words a person reads: what is allowed."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    given = error.get("input")
    if kind == "literal_error":
        return f"got {given!r}; allowed: {ctx.get('expected', '')}".replace("'", "")
    if kind in {"int_parsing", "int_type"}:
        return f"got {given!r}; give a whole number"
    if kind in {"bool_parsing", "bool_type"}:
        return f"got {given!r}; give true or false (also 1/0, yes/no, on/off)"
    if kind in {"greater_than_equal", "less_than_equal"}:
        bound = ctx.get("ge", ctx.get("le"))
        word = "at least" if kind == "greater_than_equal" else "at most"
        return f"got {given!r}; give a number {word} {bound}"
    if kind == "enum":
        return f"got {given!r}; allowed: {ctx.get('expected', '')}".replace("'", "")
    return str(error.get("msg", "invalid value")).removeprefix("Value error, ")
