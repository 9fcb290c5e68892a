"""``gance-live render --cluster``: a render's shards drawn over a Ray cluster (render.py),
by actors on its nodes (nodes.py), cut and kept by content (shards.py)."""
