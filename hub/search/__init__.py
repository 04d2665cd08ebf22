"""Finding offers: German full-text search (text, index, suggest) and place/radius (geo)."""
