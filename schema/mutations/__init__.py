"""Inputs and payloads of the mutations, one module per domain."""

import strawberry

INPUT = strawberry.argument(description="The mutation's arguments, as one input object.")
"""Annotation of every mutation's single ``input`` argument."""
