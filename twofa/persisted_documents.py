"""Persisted documents: operations a client names by id instead of sending their text.

Client build tools write a manifest of the operations a client sends: a JSON object from
each document's SHA-256 to its text. relay-compiler writes one with ``persistConfig``
(``"algorithm": "SHA256"``), graphql-codegen's client preset with ``persistedDocuments``
(SHA-256 is its default). With ``PERSISTED_DOCUMENTS=path`` twofa loads the manifest at
start-up, checks every hash against its text (a manifest made with another algorithm, or
edited by hand, is refused there, not at the first request), and a request may then carry
``documentId`` in place of ``query``: ``sha256:<hex>`` as the GraphQL-over-HTTP persisted
documents proposal writes it, or the bare hex the client preset sends. An id the manifest
does not hold is answered ``PERSISTED_DOCUMENT_NOT_FOUND``.

With ``PERSISTED_DOCUMENTS_ONLY=true`` a request must name a listed document (by id, or
by its exact text), unless it comes from an administrator's session: GraphiQL and a
person's scripts keep working, and anyone else gets ``PERSISTED_DOCUMENT_REQUIRED``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

SHA256_PREFIX = "sha256:"
"""How a ``documentId`` names its hash algorithm."""
HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
"""A SHA-256 digest as the manifests write it."""


class ManifestError(Exception):
    """The manifest cannot be used: unreadable, not an object of texts, or a wrong hash."""


class RequestRefused(Exception):
    """A request's document cannot be run; ``code`` goes to the client as ``extensions.code``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, eq=False)
class PersistedDocuments:
    """The documents of a manifest by hash, and whether only they may run."""

    by_hash: dict[str, str] = field(default_factory=dict)
    """Each document's text under its SHA-256 hex digest."""
    only: bool = False
    """Whether a request must name a listed document (administrators' sessions excepted)."""
    texts: frozenset[str] = field(init=False)
    """The listed documents' texts, to recognise one sent as ``query``."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "texts", frozenset(self.by_hash.values()))

    @classmethod
    def load(cls, path: Path, *, only: bool) -> PersistedDocuments:
        """Read and check a manifest; raise ManifestError saying what is wrong with it."""
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ManifestError(f"{path}: cannot be read as JSON ({error})") from error
        if not isinstance(manifest, dict):
            raise ManifestError(f"{path}: must be a JSON object from hashes to documents")
        by_hash: dict[str, str] = {}
        for key, text in manifest.items():
            digest = key.removeprefix(SHA256_PREFIX)
            if not isinstance(text, str) or not HEX_DIGEST.fullmatch(digest):
                raise ManifestError(
                    f"{path}: {key!r} must be a SHA-256 hex digest whose value is a document"
                )
            if hashlib.sha256(text.encode("utf-8")).hexdigest() != digest:
                raise ManifestError(
                    f"{path}: {key!r} is not the SHA-256 of its document "
                    "(write the manifest with the SHA-256 algorithm)"
                )
            by_hash[digest] = text
        return cls(by_hash=by_hash, only=only)

    def document(self, document_id: object) -> str:
        """Return the text a ``documentId`` names, or refuse it (PERSISTED_DOCUMENT_NOT_FOUND)."""
        text = None
        if isinstance(document_id, str):
            text = self.by_hash.get(document_id.removeprefix(SHA256_PREFIX))
        if text is None:
            raise RequestRefused(
                "PERSISTED_DOCUMENT_NOT_FOUND", "No persisted document has this documentId."
            )
        return text

    def check_allowed(self, query: str | None, *, administrator: bool) -> None:
        """Refuse a document sent as text when only listed documents may run."""
        if self.only and not administrator and query is not None and query not in self.texts:
            raise RequestRefused(
                "PERSISTED_DOCUMENT_REQUIRED",
                "This server runs persisted documents only: send a documentId.",
            )
