"""The vocabulary as data: code lists, columns, the hub's RDF terms, JSON-LD context, Table Schema."""
