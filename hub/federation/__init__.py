"""Federation: harvest neighbouring hubs' RPDE change feeds into this hub (issue 15).

`rpde_client` walks a source's feed page by page (fetch guard, limits, loop detection) and
yields `HarvestPage`s; the ingest side turns their `HarvestItem`s into offers of this hub with
their provenance kept. The two meet only in the dataclasses of `items`.
"""
