"""geomap's Streamlit entry point (`streamlit run streamlit_app.py`); the app lives in geomap.app."""

from geomap.app.page import main

main()
