"""The folium map: its layers, the builder, local Leaflet assets and export."""
