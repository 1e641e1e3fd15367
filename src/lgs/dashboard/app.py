"""Streamlit entry point of `lgs dashboard`: the pages, one per marketing question."""

from __future__ import annotations

import streamlit as st

from lgs.dashboard import PAGES, pages

st.set_page_config(page_title="LGS marketing dashboard", page_icon=":gift:", layout="wide")

# One function per page in `pages`, named after its title; the first page is the default.
navigation = st.navigation([
    st.Page(getattr(pages, title.lower()), title=title, url_path=path or title.lower(), default=not path)
    for path, title in PAGES.items()
])
navigation.run()
# Drawn last: browser checks (tests, bench) know the whole page has been sent.
st.html('<div id="lgs-page-ready" style="display:none"></div>')
