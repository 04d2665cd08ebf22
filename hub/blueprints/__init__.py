"""Blueprints: one module per area, each exposing `bp` (registered by the app factory)."""
