"""Indicators and their values: the catalogue, loaders, import and export."""
