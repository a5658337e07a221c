"""The quarterly review pack (季度经营回顾): the notebook's data helpers (review.py), tables
and number formats (tables.py, fmt.py), charts (charts.py), the premium decomposition
(decompose.py), parameters (params.py) and headless rendering to HTML (render.py)."""
