"""Reading the mail the tests' SMTP server received: parts and links."""

from __future__ import annotations

import re
from email.message import EmailMessage
from urllib.parse import unquote


def text_of(message: EmailMessage) -> str:
    """The text/plain part of a message."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content: str = part.get_content()
    return content


def html_of(message: EmailMessage) -> str:
    """The text/html part of a message."""
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    content: str = part.get_content()
    return content


def link_token(message: EmailMessage, url_prefix: str) -> str:
    """The token of the link starting with ``url_prefix`` in the message's text."""
    found = re.search(re.escape(url_prefix) + r"\?token=(\S+)", text_of(message))
    assert found, f"no link to {url_prefix} in:\n{text_of(message)}"
    return unquote(found.group(1))
