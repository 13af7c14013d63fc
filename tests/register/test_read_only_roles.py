"""Roles that write nothing are refused before validation, so a refusal reveals no field rules,
versions or record existence; the CLI, the pages and the API get the same answer."""

from __future__ import annotations

import pytest

from openaims.errors import PermissionDeniedError
from openaims.register.actors import Actor, Role
from openaims.register.db import Database
from openaims.register.services import RiskService, SystemService

ADMIN = Actor("ada", frozenset({Role.ADMIN}))


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.VIEWER, Role.CI])
def test_read_only_roles_are_refused_before_validation(database: Database, role: Role) -> None:
    reader = Actor("reader", frozenset({role}))
    with database.session() as s:
        risk = RiskService(s, ADMIN).create({"title": "Drift", "owner": "ada"})
    with database.session() as s:
        risks = RiskService(s, reader)
        with pytest.raises(PermissionDeniedError, match="may read records but not create"):
            risks.create({"title": "", "inherent_likelihood": "not a level", "junk": 1})
        with pytest.raises(PermissionDeniedError, match="may read records but not change"):
            risks.update(risk.id, 999, {"inherent_likelihood": "x"})  # not a 409 naming the version
        with pytest.raises(PermissionDeniedError):
            risks.update("RISK-9999", 1, {})  # not a 404 saying whether it exists
        with pytest.raises(PermissionDeniedError):
            SystemService(s, reader).create({"name": "x"}, status="active")
