"""Generated requests against the published OpenAPI schema: whatever the input,
the API answers with a client error or a result, never a server error (5xx)."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from tests.web.conftest import ADMIN, make_accounts, seed_records, web_settings

from openaims.register.db import Database
from openaims.register.services.accounts import AccountService
from openaims.web.app import create_app


def test_no_server_error_on_generated_input(database: Database) -> None:
    make_accounts(database)
    seed_records(database)
    with database.session() as session:
        secret = AccountService(session, ADMIN).issue_token("ada", "fuzz", ["read", "write"]).secret
    app = create_app(database, web_settings=web_settings())
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {secret}"}
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 14
    failures: list[str] = []
    statuses: dict[str, set[int]] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
        )
        def run(case: Any) -> None:
            response = case.call(headers=headers)
            statuses.setdefault(case.operation.label, set()).add(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])

        try:
            run()
        except Exception as exc:  # collect every failing operation, then report them together
            failures.append(f"{operation.label}: {str(exc)[:2000]}")
    assert failures == []
    # every operation was exercised, and generated input reached past validation somewhere
    assert set(statuses) == {o.label for o in operations}
    assert any(code < 300 for codes in statuses.values() for code in codes)
