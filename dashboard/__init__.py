"""Streamlit dashboard over :mod:`analysis`.

Layers, importing only leftwards: ``state``, ``charts`` and ``export`` are pure
(no streamlit); ``data`` is the one caching layer; ``views/`` and ``app`` are
the Streamlit glue. Run it with ``python -m streamlit run dashboard/app.py``.
"""
