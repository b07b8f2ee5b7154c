"""One test per upstream internal twofa relies on: each fails, naming the hook, when an
upgrade of Strawberry, graphql-core or Tortoise changes it. ARCHITECTURE.md lists them
(where, why, and the upstream issue); the pins in pyproject.toml keep upgrades deliberate.

These tests look at the libraries themselves, not at twofa's behaviour (other tests cover
that): a broken hook may show in behaviour only as lost speed, or only on a rare path.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any

import pytest
import strawberry
from graphql import GraphQLError, GraphQLSchema, GraphQLSyntaxError, parse
from strawberry.dataloader import DataLoader
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, QueryDepthLimiter
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionContext

from resolvers.schema import MaskInternalErrors, schema
from schema.cost import CostLimitedValidation
from schema.limits import DocumentLimits


def test_a_strawberry_schema_holds_its_graphql_core_schema_as_underscore_schema() -> None:
    """``schema/cost.py`` and ``twofa/graphql_metrics.py`` read ``Schema._schema``."""
    assert isinstance(schema._schema, GraphQLSchema)
    assert schema._schema.query_type is not None


def test_the_execution_context_keeps_the_operation_name_the_request_gave() -> None:
    """``schema/limits.py`` reads ``ExecutionContext._provided_operation_name``: the public
    ``operation_name`` falls back to the document's first operation."""
    context = ExecutionContext(
        query="query A { viewer { id } } query B { viewer { id } }",
        schema=schema,
        allowed_operations=(),
        provided_operation_name=None,
    )
    context.graphql_document = parse(context.query or "")
    assert context._provided_operation_name is None
    assert context.operation_name == "A"
    named = ExecutionContext(
        query="", schema=schema, allowed_operations=(), provided_operation_name="B"
    )
    assert named._provided_operation_name == "B"


def test_mask_errors_calls_the_hooks_twofa_overrides() -> None:
    """``MaskInternalErrors`` overrides ``_process_result``, ``anonymise_error`` and
    ``on_operation``; each must still be a method of ``MaskErrors`` and be called."""
    for name in ("_process_result", "anonymise_error", "on_operation"):
        assert callable(getattr(MaskErrors, name, None)), name
    calls: list[str] = []

    class Spy(MaskInternalErrors):
        def _process_result(self, result: object) -> None:
            calls.append("_process_result")
            super()._process_result(result)

    @strawberry.type
    class Query:
        @strawberry.field
        def boom(self) -> str:
            raise ValueError("internal detail")

    spied = strawberry.Schema(Query, extensions=[lambda: Spy(should_mask_error=lambda _: True)])
    result = asyncio.run(spied.execute("{ boom }"))
    assert calls == ["_process_result"]
    assert result.errors is not None
    assert result.errors[0].message == "Unexpected error."  # the text twofa documents


def test_strawberrys_executor_builds_from_a_classmethod_that_returns_errors_as_a_list() -> None:
    """``CodedExecutor`` overrides ``build`` of Strawberry's graphql-core executor."""
    build = inspect.getattr_static(StrawberryGraphQLCoreExecutionContext, "build")
    assert isinstance(build, classmethod)
    errors = StrawberryGraphQLCoreExecutionContext.build(
        schema._schema,
        parse("query ($n: Int!) { viewer { id } }"),
        variable_values={"n": "not a number"},
    )
    assert isinstance(errors, list) and isinstance(errors[0], GraphQLError)


def test_the_parser_and_validation_caches_are_shared_lru_caches() -> None:
    """The caches' hit counts (``cache_info``) are read by the caches test and ARCHITECTURE.md."""
    for cached in (
        DocumentLimits().cached_parse_document,
        CostLimitedValidation().cached_validate_document,
    ):
        assert callable(getattr(cached, "cache_info", None))
    # One shared cache per size, whatever the number of extension instances (one a request).
    assert DocumentLimits().cached_parse_document is DocumentLimits().cached_parse_document


def test_the_limiters_keep_their_rule_classes_in_validation_rules() -> None:
    """``schema/limits.py`` builds the depth and alias rules once from this attribute."""
    for limiter in (QueryDepthLimiter(max_depth=3), MaxAliasesLimiter(max_alias_count=3)):
        rules: Any = limiter.validation_rules
        assert rules and all(inspect.isclass(rule) for rule in rules)


def test_the_depth_rules_message_names_the_operation_before_exceeds() -> None:
    """``schema/limits.py`` rewrites it, keeping what stands before " exceeds "."""
    [rule] = QueryDepthLimiter(max_depth=1).validation_rules
    from graphql import validate

    [error] = validate(schema._schema, parse("query Deep { viewer { account { id } } }"), [rule])
    assert error.message.startswith("'Deep' exceeds ")


def test_the_depth_rule_still_fails_on_a_spread_of_an_unknown_fragment() -> None:
    """``schema/limits.py`` works around a ``KeyError`` (graphene#1538): when this test fails,
    upstream fixed it and the workaround can go."""
    [rule] = QueryDepthLimiter(max_depth=5).validation_rules
    from graphql import validate

    with pytest.raises(KeyError):
        validate(schema._schema, parse("{ viewer { ...Missing } }"), [rule])


def test_graphql_cores_token_limit_says_so_in_its_message() -> None:
    """``schema/limits.py`` recognises the token limit by this text."""
    with pytest.raises(GraphQLSyntaxError) as refused:
        parse("{ a b c d e }", max_tokens=3)
    assert "Document contains more than 3 tokens" in refused.value.message


def test_a_dataloader_keeps_its_loads_in_cache_map() -> None:
    """``schema/loaders.py`` reads ``DataLoader.cache_map`` to use what is already loaded."""

    async def run() -> Any:
        async def load(keys: list[int]) -> list[int]:
            return [key * 2 for key in keys]

        loader = DataLoader[int, int](load_fn=load)
        await loader.load(21)
        return loader.cache_map.get(21)

    future = asyncio.run(run())
    assert future is not None and future.done() and future.result() == 42


def test_tortoise_logs_each_statement_with_its_values_on_the_db_client_logger() -> None:
    """``twofa/sql_log.py`` counts statements from these records."""
    from tortoise.backends.sqlite import client as sqlite_client

    source = inspect.getsource(sqlite_client)
    assert 'self.log.debug("%s: %s", query, values)' in source
    assert (
        logging.getLogger("tortoise.db_client")
        is sqlite_client.SqliteClient(file_path=":memory:", connection_name="probe").log
    )


def test_tortoises_sqlite_client_has_the_hooks_the_immediate_transactions_replace() -> None:
    """``twofa/sqlite_engine.py`` subclasses these classes and rewrites these methods."""
    from tortoise.backends.base.client import ConnectionWrapper
    from tortoise.backends.sqlite.client import (
        SqliteClient,
        SqliteTransactionContext,
        SqliteTransactionWrapper,
    )

    assert callable(SqliteClient._in_transaction)
    for cls, names in (
        (ConnectionWrapper, ("__aenter__",)),
        (SqliteTransactionContext, ("__aenter__",)),
        (SqliteTransactionWrapper, ("begin",)),
    ):
        for name in names:
            assert name in vars(cls), f"{cls.__name__}.{name}"


def test_strawberrys_asgi_view_has_the_methods_twofas_view_overrides() -> None:
    """``twofa/graphql_view.py`` overrides these methods of Strawberry's ASGI view."""
    from strawberry.asgi import GraphQL

    for name in ("__call__", "get_context", "execute_single", "decode_json", "create_response"):
        assert callable(getattr(GraphQL, name, None)), name
    signature = inspect.signature(GraphQL.execute_single)
    assert list(signature.parameters) == [
        "self",
        "request",
        "request_adapter",
        "sub_response",
        "context",
        "root_value",
        "request_data",
    ]


async def test_tortoises_sqlite_client_names_its_file_logs_and_translates_errors() -> None:
    """``twofa/sqlite_engine.py``'s ``read_committed`` opens ``filename``, logs on ``log``
    and raises Tortoise's errors through ``translate_exceptions``."""
    import sqlite3

    from tortoise.backends.sqlite.client import SqliteClient, translate_exceptions
    from tortoise.exceptions import OperationalError

    client = SqliteClient(file_path="/nowhere/probe.sqlite3", connection_name="probe")
    assert client.filename == "/nowhere/probe.sqlite3"
    assert client.log is logging.getLogger("tortoise.db_client")

    @translate_exceptions
    async def failing(self: object, query: str, *args: object) -> None:
        raise sqlite3.OperationalError(query)

    with pytest.raises(OperationalError):
        await failing(client, "probe")


def test_tortoise_builds_a_partial_model_from_fewer_columns_and_refuses_its_full_save() -> None:
    """``services/machinery/session_lookup.py`` leaves columns out of the models it builds."""
    from tortoise.models import Model

    source = inspect.getsource(Model._init_from_db)
    assert "except KeyError" in source and "self._partial = True" in source
    save = inspect.getsource(Model.save)
    assert "if self._partial:" in save and "IncompleteInstanceError" in save


def test_tortoises_asyncpg_client_lends_a_pool_connection_through_acquire_connection() -> None:
    """``services/operators/report.py`` opens a server-side cursor on the connection lent."""
    from tortoise.backends.asyncpg import client as asyncpg_client
    from tortoise.backends.base.client import PoolConnectionWrapper

    source = inspect.getsource(asyncpg_client.AsyncpgDBClient.acquire_connection)
    assert "PoolConnectionWrapper(self" in source
    assert hasattr(PoolConnectionWrapper, "__aenter__")
    assert hasattr(PoolConnectionWrapper, "__aexit__")
