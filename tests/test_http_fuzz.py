"""Bad input over HTTP: schemathesis generates requests for every operation of the edge's and the central
store's OpenAPI schemas (valid and schema-violating data, with valid credentials and without), sends them
to the started apps (the edge on a real SQLite file; the central store on the real PostgreSQL), each case
as generated, without credentials and with valid ones (the path's room or store made the caller's), and
checks:

- no answer is a 5xx;
- every 4xx says why (a JSON body with a non-empty ``detail``);
- a refused request writes nothing (every table's row count is the same before and after a 4xx).

Schemathesis only generates here (``APIOperation.as_strategy``); the requests go through the test's own
``TestClient`` so the apps' lifespans are the ones the test started. A few examples per operation and mode
keep the module to seconds; ``FITROOM_HTTP_FUZZ_EXAMPLES`` raises that for a longer run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cloud_sync.central.app import create_app as central_app
from cloud_sync.central.settings import CentralSettings
from cloud_sync.central.stores import create_store
from edge.credentials import set_role
from tests.central_support import ADMIN_TOKEN, database_url
from tests.mirror_support import MirrorEdge, mirror_edge

EXAMPLES = int(os.environ.get("FITROOM_HTTP_FUZZ_EXAMPLES", "3"))
ROOM = "fr-1"

Headers = Callable[[str, str], dict[str, str]]


_COUNT_QUERIES: dict[int, str] = {}


def row_counts(engine: Engine) -> tuple[int, ...]:
    """Every table's row count, in one statement."""
    query = _COUNT_QUERIES.get(id(engine))
    if query is None:
        with engine.connect() as conn:
            names = sorted(n for n in inspect(conn).get_table_names() if n != "alembic_version")
        query = _COUNT_QUERIES[id(engine)] = "SELECT " + ", ".join(
            f'(SELECT count(*) FROM "{n}")' for n in names
        )
    with engine.connect() as conn:
        return tuple(conn.execute(text(query)).one())


def check_answer(client: TestClient, case: Any, headers: dict[str, str], engine: Engine) -> None:
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    before = row_counts(engine)
    if kwargs.get("cookies"):
        client.cookies.update(kwargs["cookies"])
    response = client.request(
        kwargs["method"],
        kwargs["url"],
        headers=kwargs.get("headers"),
        params=kwargs.get("params"),
        **({"json": kwargs["json"]} if "json" in kwargs else {}),
        **({"content": kwargs["data"]} if "data" in kwargs else {}),
    )
    client.cookies.clear()
    what = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    assert response.status_code < 500, what
    if 400 <= response.status_code < 500:
        body = response.json()
        assert isinstance(body, dict) and body.get("detail"), f"a 4xx without a message: {what}"
        assert row_counts(engine) == before, f"a refused request wrote rows: {what}"


def fuzz_every_operation(schema: Any, run: Callable[[Any], None]) -> int:
    """Run ``run`` on ``EXAMPLES`` generated cases per operation and generation mode; returns the number
    of operations."""
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def one(case: Any) -> None:
                run(case)

            try:
                one()
            except Unsatisfiable:
                # Nothing of this operation can be made invalid (no parameters, no body).
                assert mode is GenerationMode.NEGATIVE, operation.label
    return len(operations)


# -- the edge ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MirrorEdge]:
    with mirror_edge(tmp_path_factory.mktemp("fuzz") / "edge.db") as started:
        yield started


def edge_headers(edge: MirrorEdge) -> Headers:
    associate = edge.associate("fuzz-ana")
    edge.associate("fuzz-mia", "Mia", "4321")
    set_role(edge.service.db, "fuzz-mia", "manager")
    login = edge.client.post("/api/associate/login", json={"associate_id": "fuzz-mia", "pin": "4321"})
    manager = {"Authorization": f"Bearer {login.json()['token']}"}
    mirror = edge.mirror(ROOM)

    def pick(path: str, _method: str) -> dict[str, str]:
        if path.startswith("/api/mirror/"):
            return mirror
        if path.startswith("/api/manager/"):
            return manager
        return associate

    return pick


def without_credentials(case: Any) -> None:
    for name in ("authorization", "Authorization"):
        (case.headers or {}).pop(name, None)


def test_the_edge_answers_bad_input_with_a_4xx_that_says_why(edge: MirrorEdge) -> None:
    schema = schemathesis.openapi.from_dict(edge.client.get("/openapi.json").json())
    pick = edge_headers(edge)
    engine = edge.service.db

    def run(case: Any) -> None:
        check_answer(edge.client, case, {}, engine)  # as generated (a random Authorization, if any)
        without_credentials(case)
        check_answer(edge.client, case, {}, engine)
        if "room_id" in (case.path_parameters or {}):
            case.path_parameters["room_id"] = ROOM
        check_answer(edge.client, case, pick(case.path, case.method), engine)

    assert fuzz_every_operation(schema, run) >= 30


# -- the central store ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str, Engine]]:
    with database_url("postgresql", tmp_path_factory.mktemp("central") / "central.db") as url:
        app = central_app(CentralSettings(db_url=url, admin_token=ADMIN_TOKEN))
        with TestClient(app) as client:
            engine: Engine = app.state.engine
            with Session(engine) as session:
                key = create_store(session, store_id="s1", name="Fuzz store", now=time.time())
                session.commit()
            yield client, key, engine
        app.state.engine.dispose()


STORE_KEY_PATHS = ("/v1/stores/{store_id}", "/v1/catalog", "/v1/profiles/by-beacon")


def test_the_central_store_answers_bad_input_with_a_4xx_that_says_why(
    central: tuple[TestClient, str, Engine],
) -> None:
    client, key, engine = central
    schema = schemathesis.openapi.from_dict(client.app.openapi())  # type: ignore[attr-defined]

    def run(case: Any) -> None:
        without_credentials(case)
        check_answer(client, case, {}, engine)
        store_route = case.path.startswith(STORE_KEY_PATHS) or (
            case.path == "/v1/erasures" and case.method == "GET"
        )
        if store_route and "store_id" in (case.path_parameters or {}):
            case.path_parameters["store_id"] = "s1"
        check_answer(client, case, {"Authorization": f"Bearer {key if store_route else ADMIN_TOKEN}"}, engine)

    assert fuzz_every_operation(schema, run) >= 20


# -- what the fuzzing found, each pinned ----------------------------------------------------------------


def test_a_pull_cursor_beyond_its_column_is_a_422_not_a_500(central: tuple[TestClient, str, Engine]) -> None:
    client, key, _ = central
    store = {"Authorization": f"Bearer {key}"}
    for path, since in (("/v1/erasures", 2**31), ("/v1/catalog", 2**63), ("/v1/stores/s1/stock", 2**63)):
        response = client.get(path, params={"since": since}, headers=store)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["detail"]
        assert client.get(path, params={"since": since - 1}, headers=store).status_code == 200


def test_a_value_postgresql_cannot_hold_is_a_422_that_writes_nothing(
    central: tuple[TestClient, str, Engine],
) -> None:
    client, _, engine = central
    before = row_counts(engine)
    response = client.post(
        "/v1/admin/stores",
        json={"id": "nul-store", "name": "a\x00b"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert response.status_code == 422, response.text
    assert "cannot be stored" in response.json()["detail"]
    assert row_counts(engine) == before
