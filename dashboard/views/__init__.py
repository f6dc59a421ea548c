"""The dashboard's pages, one file per question a persona asks, run by ``st.navigation``.

Not named ``pages/``: a ``pages/`` folder beside ``app.py`` turns on Streamlit's legacy
multipage mode (``PagesManager.uses_pages_directory``). ``st.navigation`` turns it off again
in a server, but AppTest re-detects the folder on every run, so each rerun after a widget
change executes the page alone, without the router and its sidebar. The ``__init__.py`` makes
the folder a package, so it ships in the wheel with the other dashboard modules.
"""
