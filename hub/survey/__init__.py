"""The Bildungsumfrage: import LimeSurvey exports privately, publish only audited aggregates."""
