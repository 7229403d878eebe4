"""One loader module per source family: raw files in, a frame in the kind's schema out."""
