"""The one place loaders are registered: a record's ``loader`` key names one of these."""

from __future__ import annotations

from geomap.data.catalog import USER_LOADER
from geomap.sources import (
    bitcoin,
    curated,
    eia,
    ember,
    epoch,
    eurostat,
    natural_earth,
    telegeography,
    user,
    worldbank,
)
from geomap.sources.base import LoaderFn

#: Loader name (as written in ``layers/*.toml``) -> loader.
LOADERS: dict[str, LoaderFn] = {
    "natural_earth_admin0": natural_earth.load_natural_earth_admin0,
    "natural_earth_admin1": natural_earth.load_natural_earth_admin1,
    "telegeography_cloud_regions": telegeography.load_cloud_regions,
    "telegeography_cables": telegeography.load_telegeography_cables,
    "telegeography_landing_points": telegeography.load_telegeography_landing_points,
    "epoch_frontier_data_centers": epoch.load_epoch_frontier,
    "epoch_gpu_clusters": epoch.load_epoch_gpu_clusters,
    "worldbank_indicator": worldbank.load_worldbank,
    "eia_state_prices": eia.load_eia_state_prices,
    "eia_seds_prices": eia.load_eia_seds_prices,
    "curated_prices": curated.load_curated_prices,
    "historic_cables": curated.load_historic_cables,
    "mining_eras": curated.load_mining_eras,
    "sun_bitcoin_hashrate": bitcoin.load_sun_bitcoin,
    "eurostat_band_prices": eurostat.load_eurostat_band_prices,
    "ember_wholesale": ember.load_ember_wholesale,
    USER_LOADER: user.load_user_layer,  # layers added with `geomap import`
}
