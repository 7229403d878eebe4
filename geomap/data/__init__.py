"""Data in: source records, downloads, the prepared-layer store, user layers."""
