"""The region set, the price chosen for each region and year, and spatial joins."""
