"""Field resolvers of the object types in ``schema/types``, one module per type."""
