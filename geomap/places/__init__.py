"""Offline geocoding: country and subdivision codes, coordinates, the gazetteer."""
