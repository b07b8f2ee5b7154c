"""The shared caches hit: a document a client repeats is parsed and validated once.

ARCHITECTURE.md's table lists every cache, its key, bound, and why it cannot go stale.
"""

from __future__ import annotations

import secrets
from typing import Any

from schema.cost import CostLimitedValidation
from schema.limits import DocumentLimits
from tests.support import GraphQLClient


async def test_a_repeated_document_is_parsed_and_validated_once(gql: GraphQLClient) -> None:
    parse: Any = DocumentLimits().cached_parse_document  # functools.lru_cache wrappers
    validate: Any = CostLimitedValidation().cached_validate_document
    # A document no other test sends: its first request misses both caches.
    document = f"query Unique{secrets.token_hex(4)} {{ viewer {{ id }} }}"
    parsed, validated = parse.cache_info(), validate.cache_info()
    await gql.data(document)
    assert parse.cache_info().misses == parsed.misses + 1
    assert validate.cache_info().misses == validated.misses + 1
    parsed, validated = parse.cache_info(), validate.cache_info()
    for _ in range(3):
        await gql.data(document)
    assert (parse.cache_info().hits, parse.cache_info().misses) == (parsed.hits + 3, parsed.misses)
    assert (validate.cache_info().hits, validate.cache_info().misses) == (
        validated.hits + 3,
        validated.misses,
    )
