"""Sources: neighbouring hubs' RPDE feeds this hub harvests (models, service, pages)."""
