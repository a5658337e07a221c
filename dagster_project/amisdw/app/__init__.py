"""``amisdw app``: the drill-down page over the published warehouse (Streamlit).

:mod:`amisdw.app.data` holds every query (pure functions of a read-only connection, returning
DataFrames); :mod:`amisdw.app.page` is the Streamlit script; :mod:`amisdw.app.launch` checks
the arguments and starts ``streamlit run``.
"""
