"""Routes over submarine cables: the cable graph, place resolution and latency."""
