"""The Streamlit app: everything that imports streamlit lives here."""
