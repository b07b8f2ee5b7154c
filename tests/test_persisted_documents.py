"""Persisted documents: a client names a listed operation by ``documentId``; with
``PERSISTED_DOCUMENTS_ONLY`` nobody but an administrator's session sends other text."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.servers import twofa
from tests.support import GraphQLClient, make_team, running_app, session_for
from twofa.persisted_documents import PersistedDocuments
from twofa.settings import ConfigurationError, Settings

VIEWER = "query Viewer { viewer { email } }"
ROLE = "query Role($first: Int) { viewer { role account { operators(first: $first) { totalCount } } } }"
UNLISTED = "{ viewer { name } }"


def digest(text: str) -> str:
    """The SHA-256 hex of a document, as the manifests key it."""
    return hashlib.sha256(text.encode()).hexdigest()


def write_manifest(folder: Path, entries: dict[str, str]) -> Path:
    """Write a manifest as relay-compiler and graphql-codegen do: one JSON object."""
    path = folder / "persisted-documents.json"
    path.write_text(json.dumps(entries, indent=2))
    return path


@asynccontextmanager
async def serving(
    settings: Settings, clock: FrozenClock, hasher: PasswordHasher, documents: PersistedDocuments
) -> AsyncIterator[GraphQLClient]:
    """The app with these persisted documents, and a client for it."""
    configured = dataclasses.replace(settings, persisted_documents=documents)
    async with running_app(configured, clock, hasher) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://twofa.test") as http:
            yield GraphQLClient(http)


async def by_id(
    client: GraphQLClient, document_id: object, token: str | None = None, **extra: Any
) -> httpx.Response:
    """POST a request that names its document by id."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.http.post(
        "/graphql", json={"documentId": document_id, **extra}, headers=headers
    )


def refusal_code(response: httpx.Response) -> str:
    """The code of a request refused before it ran (400, one error, no data)."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert "data" not in body
    code: str = body["errors"][0]["extensions"]["code"]
    return code


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    """graphql-codegen's client preset keys by bare hex; so does relay-compiler's SHA256."""
    return write_manifest(tmp_path, {digest(VIEWER): VIEWER, digest(ROLE): ROLE})


async def test_a_listed_document_runs_by_its_id_in_a_body_or_a_query_string(
    settings: Settings, clock: FrozenClock, hasher: PasswordHasher, manifest: Path
) -> None:
    documents = PersistedDocuments.load(manifest, only=False)
    async with serving(settings, clock, hasher, documents) as client:
        team = await make_team(hasher, clock)
        token = await session_for(team.admin, clock)
        prefixed = await by_id(client, f"sha256:{digest(VIEWER)}", token)
        bare = await by_id(client, digest(VIEWER), token)
        for response in (prefixed, bare):
            assert response.json() == {"data": {"viewer": {"email": team.admin.email}}}
        with_variables = await by_id(
            client, f"sha256:{digest(ROLE)}", token, variables={"first": 1}, operationName="Role"
        )
        assert with_variables.json()["data"]["viewer"]["role"] == "ADMINISTRATOR"
        over_get = await client.http.get(
            "/graphql",
            params={"documentId": f"sha256:{digest(VIEWER)}"},
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
        assert over_get.json() == {"data": {"viewer": {"email": team.admin.email}}}
        # Text still runs where persisted documents are not required.
        assert (await client.data(UNLISTED, token=token))["viewer"]["name"] == team.admin.name


async def test_an_unknown_or_malformed_id_and_an_id_beside_a_query_are_refused(
    settings: Settings, clock: FrozenClock, hasher: PasswordHasher, manifest: Path
) -> None:
    documents = PersistedDocuments.load(manifest, only=False)
    async with serving(settings, clock, hasher, documents) as client:
        for unknown in (f"sha256:{digest(UNLISTED)}", digest(UNLISTED), "sha256:", 42, None):
            response = await by_id(client, unknown)
            if unknown is None:  # an explicit null names nothing: no query either
                assert response.status_code == 400
                continue
            assert refusal_code(response) == "PERSISTED_DOCUMENT_NOT_FOUND", unknown
        both = await by_id(client, f"sha256:{digest(VIEWER)}", query=VIEWER)
        assert refusal_code(both) == "BAD_REQUEST"
        assert "not both" in both.json()["errors"][0]["message"]


async def test_only_listed_documents_run_except_for_an_administrators_session(
    settings: Settings, clock: FrozenClock, hasher: PasswordHasher, manifest: Path
) -> None:
    documents = PersistedDocuments.load(manifest, only=True)
    async with serving(settings, clock, hasher, documents) as client:
        team = await make_team(hasher, clock)
        basic = await session_for(team.basic, clock)
        admin = await session_for(team.admin, clock)
        for token in (None, basic):
            refused = await client.post(UNLISTED, token=token)
            assert refusal_code(refused) == "PERSISTED_DOCUMENT_REQUIRED"
            login = await client.post("mutation { logout { userErrors { code } } }", token=token)
            assert refusal_code(login) == "PERSISTED_DOCUMENT_REQUIRED"
        listed = await by_id(client, f"sha256:{digest(VIEWER)}", basic)
        assert listed.json() == {"data": {"viewer": {"email": team.basic.email}}}
        # A listed document's exact text is that document.
        assert (await client.data(VIEWER, token=basic))["viewer"]["email"] == team.basic.email
        assert (await client.data(UNLISTED, token=admin))["viewer"]["name"] == team.admin.name


def test_a_manifest_that_cannot_be_trusted_stops_the_start(tmp_path: Path) -> None:
    wrong_hash = write_manifest(tmp_path, {digest(VIEWER): UNLISTED})
    other = tmp_path / "other"
    other.mkdir()
    md5_keyed = write_manifest(other, {})
    cases = {
        "is not the SHA-256 of its document": {"PERSISTED_DOCUMENTS": str(wrong_hash)},
        "cannot be read as JSON": {"PERSISTED_DOCUMENTS": str(tmp_path / "missing.json")},
        "needs PERSISTED_DOCUMENTS": {"PERSISTED_DOCUMENTS_ONLY": "true"},
        "must be true or false": {
            "PERSISTED_DOCUMENTS": str(md5_keyed),
            "PERSISTED_DOCUMENTS_ONLY": "sometimes",
        },
    }
    for message, env in cases.items():
        with pytest.raises(ConfigurationError, match=message):
            Settings.from_env(env)
    md5_keyed.write_text(json.dumps({hashlib.md5(VIEWER.encode()).hexdigest(): VIEWER}))  # noqa: S324
    with pytest.raises(ConfigurationError, match="must be a SHA-256 hex digest"):
        Settings.from_env({"PERSISTED_DOCUMENTS": str(md5_keyed)})
    md5_keyed.write_text(json.dumps([VIEWER]))
    with pytest.raises(ConfigurationError, match="must be a JSON object"):
        Settings.from_env({"PERSISTED_DOCUMENTS": str(md5_keyed)})
    loaded = Settings.from_env(
        {"PERSISTED_DOCUMENTS": str(write_manifest(tmp_path, {f"sha256:{digest(VIEWER)}": VIEWER})),
         "PERSISTED_DOCUMENTS_ONLY": "true"}
    )  # fmt: skip
    assert loaded.persisted_documents.only
    assert loaded.persisted_documents.document(digest(VIEWER)) == VIEWER


@pytest.mark.server
def test_check_documents_reports_each_document_the_schema_refuses(
    tmp_path: Path, database_url: str
) -> None:
    good = write_manifest(tmp_path, {digest(VIEWER): VIEWER, digest(ROLE): ROLE})
    checked = twofa("check-documents", str(good), database_url=database_url)
    assert checked.returncode == 0, checked.stderr
    assert "2 documents, each valid" in checked.stdout
    stale = "{ viewer { nickname } }"
    broken = "{ viewer {"
    bad_folder = tmp_path / "bad"
    bad_folder.mkdir()
    bad = write_manifest(
        bad_folder, {digest(VIEWER): VIEWER, digest(stale): stale, digest(broken): broken}
    )
    refused = twofa("check-documents", str(bad), database_url=database_url)
    assert refused.returncode == 1
    assert f"sha256:{digest(stale)}: Cannot query field 'nickname'" in refused.stderr
    assert f"sha256:{digest(broken)}: Syntax Error" in refused.stderr
    assert digest(VIEWER) not in refused.stderr
    wrong = write_manifest(bad_folder, {digest(VIEWER): stale})
    untrusted = twofa("check-documents", str(wrong), database_url=database_url)
    assert untrusted.returncode == 2
    assert "is not the SHA-256 of its document" in untrusted.stderr
