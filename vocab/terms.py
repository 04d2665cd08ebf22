"""The hub's own RDF terms: one instance-independent namespace shared by every hub."""
from __future__ import annotations

# Every district's hub uses the same vocabulary IRIs, so their feeds can be merged.
VOCAB_NS = "https://w3id.org/bildungsdaten/vocab/"
SCHEMA = "https://schema.org/"
MUNICIPALITY_KEY_NS = "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/"

# Terms schema.org lacks (each typed as rdf:Property in the served vocabulary).
ROLLING_ENTRY = VOCAB_NS + "rollingEntry"
MIN_PARTICIPANTS = VOCAB_NS + "minimumAttendeeCapacity"
TEACHING_UNITS = VOCAB_NS + "teachingUnits"
AZAV_NUMBER = VOCAB_NS + "azavMeasureNumber"
PRICE_KIND = VOCAB_NS + "priceKind"
