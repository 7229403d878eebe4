"""The token-cost model and its sourced catalogs (GPUs, models, throughputs, defaults)."""
