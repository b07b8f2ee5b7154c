"""The GraphQL contract: Strawberry types, inputs, enums and the executable Schema."""
