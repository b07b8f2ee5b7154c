"""The schema partners read: the specified contract, descriptions everywhere, and the same
schema over introspection. (That schema.graphql is the exported schema is checked once, with
the ``export-schema`` command, in test_cli.)"""

from __future__ import annotations

from typing import cast

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    IntrospectionQuery,
    build_client_schema,
    build_schema,
    find_breaking_changes,
    get_introspection_query,
    lexicographic_sort_schema,
    print_schema,
)

from resolvers.schema import schema
from tests.servers import ROOT
from tests.support import GraphQLClient

BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}


def test_the_specified_contract_is_served_without_breaking_changes() -> None:
    contract = build_schema((ROOT / "tests" / "contract.graphql").read_text())
    served = schema._schema
    assert find_breaking_changes(contract, served) == []


def test_every_type_field_argument_and_enum_value_has_a_description() -> None:
    missing = []
    for name, named in schema._schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN:
            continue
        if not named.description:
            missing.append(name)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                missing += [
                    f"{name}.{field_name}({arg})"
                    for arg, value in field.args.items()
                    if not value.description
                ]
        if isinstance(named, GraphQLInputObjectType):
            missing += [f"{name}.{f}" for f, value in named.fields.items() if not value.description]
        if isinstance(named, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in named.values.items() if not value.description]
    assert missing == []


async def test_introspection_serves_the_whole_schema(gql: GraphQLClient) -> None:
    result = await gql.data(get_introspection_query(descriptions=True, specified_by_url=True))
    introspected = build_client_schema(cast(IntrospectionQuery, result))
    assert print_schema(lexicographic_sort_schema(introspected)) == print_schema(
        lexicographic_sort_schema(schema._schema)
    )
