"""User layers: ``geomap import`` validation, storage, loading, removal and CLI."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import Point, box

from geomap import cli
from geomap.data import store, userlayers
from geomap.data.catalog import user_records
from geomap.data.userlayers import UserLayerError, import_layer, list_layers, remove_layer
from geomap.sources import user, user_rows
from geomap.sources.user import MAX_FILE_BYTES
from tests.userfiles import DC_HEADER, XSS
from tests.userfiles import catalog as _catalog
from tests.userfiles import write as _write


def main_for_tests(argv: list[str]) -> int:
    """Run ``geomap import ARGV`` through the CLI and return its exit status (argparse's too)."""
    try:
        return cli.main(["import", *argv])
    except SystemExit as exc:  # argparse's own usage errors
        return int(exc.code or 0)


def _rejected(report, row: int) -> list[tuple[str, str]]:
    return [(r.field, r.reason) for r in report.rejections if r.row == str(row)]




# ---------------------------------------------------------------- good imports


def test_good_csv_is_stored_listed_loaded_and_removed(user_cache: Path, tmp_path: Path):
    path = _write(tmp_path, "My DCs.csv", DC_HEADER
                  + "Alpha,Acme,37.4,-122.1,100,2020,US\n"
                  + "Beta,,,,,,France\n")
    report = import_layer(path, "data_centers")
    assert report.imported and report.n_good == 2 and report.n_rejected == 0
    assert report.name == "user-my-dcs"
    assert report.path == user_cache.resolve() / "user" / "user-my-dcs" / "user-my-dcs.csv"

    [layer] = list_layers()
    assert (layer.name, layer.kind, layer.rows, layer.file) == ("user-my-dcs", "data_centers", 2,
                                                                "My DCs.csv")
    [src] = user_records()
    assert src.loader == "user_layer" and src.format == "table"
    assert src.license == "user data" and src.attribution == "user data: My DCs.csv"
    # An absolute path survives layers_dir() / path.
    assert src.table_path() == report.path and src.table_path().is_absolute()

    frame = store.load("user-my-dcs", _catalog())
    assert list(frame["name"]) == ["Alpha", "Beta"]
    assert list(frame["location_precision"]) == ["site", "country"]
    assert list(frame["country_id"]) == ["US", "FR"]
    assert frame.geometry.iloc[0].equals(Point(-122.1, 37.4)) and frame.geometry.iloc[1] is None
    assert frame["power_mw"].iloc[0] == 100 and frame["year_in_service"].iloc[0] == 2020

    assert remove_layer("my-dcs") == "user-my-dcs"
    assert list_layers() == [] and not (user_cache / "user" / "user-my-dcs").exists()


def test_reimport_replaces_and_builtin_names_are_refused(user_cache: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch):
    path = _write(tmp_path, "dcs.csv", DC_HEADER + "Alpha,Acme,37.4,-122.1,100,2020,US\n")
    assert not import_layer(path, "data_centers").replaced
    assert store.load("user-dcs", _catalog())["name"].tolist() == ["Alpha"]
    path.write_text(DC_HEADER + "Gamma,Acme,1,2,,,\nDelta,Acme,3,4,,,\n", encoding="utf-8")
    report = import_layer(path, "data_centers")
    assert report.replaced and [x.name for x in list_layers()] == ["user-dcs"]
    assert store.load("user-dcs", _catalog())["name"].tolist() == ["Gamma", "Delta"]

    with pytest.raises(UserLayerError, match="built-in"):
        remove_layer("ne-admin0")
    with pytest.raises(UserLayerError, match="no user layer"):
        remove_layer("nothing-here")
    monkeypatch.setattr(userlayers, "_builtin_names", lambda: {"userdcs": "user-dcs (built in)"})
    with pytest.raises(UserLayerError, match="taken by the built-in layer"):
        import_layer(path, "data_centers")


def test_geojson_data_centers_and_mining(user_cache: Path, tmp_path: Path):
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [10.75, 59.91]},
         "properties": {"name": "Oslo DC", "Power (MW)": 12.5, "status": "planned"}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [
            [[10, 60], [11, 60], [11, 61], [10, 61], [10, 60]]]},
         "properties": {"name": "Campus"}},
        {"type": "Feature", "geometry": None, "properties": {"name": "Somewhere", "region_id": "NO-03"}},
    ]}
    path = _write(tmp_path, "nordic.geojson", json.dumps(fc))
    report = import_layer(path, "data_centers")
    assert report.n_good == 3 and report.n_rejected == 0
    frame = store.load("user-nordic", _catalog())
    assert frame["status"].tolist() == ["planned", "existing", "existing"]
    assert frame["power_mw"].iloc[0] == 12.5
    assert frame.geometry.iloc[1].within(box(10, 60, 11, 61))  # a polygon's representative point
    assert frame["location_precision"].tolist() == ["site", "site", "region"]
    assert frame["region_id"].iloc[2] == "NO-03" and frame["country_id"].iloc[2] == "NO"

    mining = _write(tmp_path, "mines.csv", "name,lat,lon,share_pct,hashrate,date,region_id\n"
                    "Ekibastuz,51.72,75.32,18.1,,2021-09,\nSichuan,,,,2.5,2020,CN-SC\n")
    report = import_layer(mining, "mining", name="Mines 2021")
    assert report.name == "user-mines-2021" and report.n_good == 2
    frame = store.load("user-mines-2021", _catalog())
    assert frame["share_pct"].iloc[0] == pytest.approx(18.1)
    assert frame["hashrate_avg"].iloc[1] == pytest.approx(2.5)
    assert pd.isna(frame["country_id"].iloc[0]) and frame["country_id"].iloc[1] == "CN"
    assert frame.geometry.iloc[1] is None


def test_prices_in_local_currency_and_mwh_are_converted(user_cache: Path, tmp_path: Path):
    path = _write(tmp_path, "prices.csv",
                  "region_id,price,currency,unit,year,basis,source,taxes_included\n"
                  "DE,150,EUR,EUR/MWh,2023,wholesale,EEX,false\n"
                  "US-TX,6.5,USc,kWh,2022,industrial,EIA,\n"
                  "FR,0.1,USD,kWh,2023,industrial,somebody,\n")
    report = import_layer(path, "electricity_prices")
    assert report.n_good == 3, report.to_text()
    frame = store.load("user-prices", _catalog())
    assert frame["layer"].unique().tolist() == ["user-prices"]
    de, tx, fr = (frame.iloc[i] for i in range(3))
    eur_per_usd = user_rows._fx_rates()[("EUR", 2023)]
    assert de["usd_per_kwh"] == pytest.approx(0.15 / eur_per_usd)
    assert de["price_local"] == pytest.approx(0.15) and de["fx_year"] == 2023
    assert not de["taxes_included"]
    assert tx["usd_per_kwh"] == pytest.approx(0.065) and tx["currency"] == "USc"
    assert fr["usd_per_kwh"] == pytest.approx(0.1)


# ---------------------------------------------------------------- whole-file problems (exit 2)


def test_file_over_the_size_limit_is_refused(user_cache: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch):
    assert MAX_FILE_BYTES == 20_000_000
    path = _write(tmp_path, "big.csv", DC_HEADER + "Alpha,Acme,37.4,-122.1,100,2020,US\n" * 10)
    monkeypatch.setattr(user, "MAX_FILE_BYTES", 200)
    with pytest.raises(UserLayerError, match=r"big\.csv: .* over the .* MB limit"):
        import_layer(path, "data_centers")
    assert main_for_tests([str(path), "--kind", "data_centers"]) == 2
    assert list_layers() == []


def test_unreadable_file_is_refused(user_cache: Path, tmp_path: Path):
    with pytest.raises(UserLayerError, match="does not exist"):
        import_layer(tmp_path / "missing.csv", "data_centers")
    with pytest.raises(UserLayerError, match="not a file"):
        import_layer(tmp_path, "data_centers")
    empty = _write(tmp_path, "empty.csv", "\n")
    with pytest.raises(UserLayerError, match="empty"):
        import_layer(empty, "data_centers")


def test_wrong_encoding_names_the_first_bad_byte(user_cache: Path, tmp_path: Path):
    path = tmp_path / "latin1.csv"
    data = (DC_HEADER + "Zürich DC,Acme,47.4,8.5,,,CH\n").encode("latin-1")
    path.write_bytes(data)
    offset = data.index(b"\xfc")
    with pytest.raises(UserLayerError, match=rf"byte 0xfc at offset {offset} \(line 2\)"):
        import_layer(path, "data_centers")
    bom = tmp_path / "bom.csv"  # UTF-8 with a BOM is fine
    bom.write_bytes(b"\xef\xbb\xbf" + (DC_HEADER + "Zürich DC,Acme,47.4,8.5,,,CH\n").encode())
    assert import_layer(bom, "data_centers").n_good == 1


@pytest.mark.parametrize(
    ("kind", "text", "missing"),
    [
        ("data_centers", "operator,lat,lon\nAcme,1,2\n", "name"),
        ("data_centers", "name,operator\nA,Acme\n", "a location"),
        ("mining", "name,lat,lon\nA,1,2\n", "share_pct or hashrate"),
        ("electricity_prices", "region_id,price,currency,year,basis,source\nDE,1,EUR,2020,wholesale,x\n",
         "unit"),
        ("electricity_prices", "region_id,usd_per_kwh,year,basis\nDE,0.1,2020,wholesale\n", "source"),
    ],
)
def test_missing_columns_are_refused(user_cache: Path, tmp_path: Path, kind: str, text: str,
                                     missing: str):
    path = _write(tmp_path, "cols.csv", text)
    with pytest.raises(UserLayerError, match=rf"cols\.csv: header: missing column\(s\): .*{missing}"):
        import_layer(path, kind)


def test_not_geojson_is_refused(user_cache: Path, tmp_path: Path):
    path = _write(tmp_path, "x.geojson", '{"type": "FeatureCollection", "features": [')
    with pytest.raises(UserLayerError, match=r"x\.geojson: not valid JSON: line 1"):
        import_layer(path, "data_centers")
    path = _write(tmp_path, "y.geojson", '{"type": "Topology"}')
    with pytest.raises(UserLayerError, match="FeatureCollection"):
        import_layer(path, "data_centers")


# ---------------------------------------------------------------- row problems (good rows kept)


def test_coordinates_out_of_range(user_cache: Path, tmp_path: Path):
    path = _write(tmp_path, "range.csv", DC_HEADER
                  + "Good,Acme,10,20,,,\n"
                  + "Far east,Acme,10,200,,,\n"
                  + "Far south,Acme,-95,-100,,,\n"
                  + "Half,Acme,10,,,,\n"
                  + "Text,Acme,north,20,,,\n")
    report = import_layer(path, "data_centers")
    assert report.n_good == 1 and report.n_rejected == 4
    assert _rejected(report, 2) == [("lon", "200 is out of range [-180, 180]")]
    assert _rejected(report, 3) == [("lat", "-95 is out of range [-90, 90]")]
    assert _rejected(report, 4) == [("lon", "lat is given without lon")]
    assert _rejected(report, 5) == [("lat", "not a number: 'north'")]
    assert store.load("user-range", _catalog())["name"].tolist() == ["Good"]


def test_swapped_coordinates_are_named(user_cache: Path, tmp_path: Path):
    path = _write(tmp_path, "swap.csv", DC_HEADER
                  + "Good,Acme,-33.87,151.21,,,AU\n"
                  + "Sydney swapped,Acme,151.21,-33.87,,,AU\n")
    report = import_layer(path, "data_centers")
    assert report.n_good == 1
    [(field, reason)] = _rejected(report, 2)
    assert field == "lat" and "swapped?" in reason
    assert "swap.csv: row 2: field 'lat': " in report.to_text()


def test_swapped_coordinates_inside_range_caught_by_the_stated_country(
        user_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # Nairobi is (-1.29, 36.82); swapped, (36.82, -1.29) is in range, but far from Kenya.
    kenya = box(33.9, -4.7, 41.9, 5.0)
    monkeypatch.setattr(userlayers, "_country_polygons", lambda: {"KE": kenya})
    path = _write(tmp_path, "ke.csv", DC_HEADER
                  + "Nairobi,Acme,-1.29,36.82,,,Kenya\n"
                  + "Nairobi swapped,Acme,36.82,-1.29,,,KE\n"
                  + "Elsewhere,Acme,10,10,,,KE\n")  # outside, but not swapped: kept
    report = import_layer(path, "data_centers")
    assert report.n_good == 2
    [(field, reason)] = _rejected(report, 2)
    assert field == "lat/lon" and "outside KE" in reason and "swapped?" in reason


def test_swap_check_uses_the_prepared_country_layer(session_cache: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch):
    assert store.fetch(["ne-admin0"]) == {"ne-admin0": None}
    shapes = userlayers._country_polygons()  # from the session cache's ne-admin0
    assert shapes is not None and Point(36.82, -1.29).within(shapes["KE"])
    monkeypatch.setattr(userlayers, "_country_polygons", lambda: shapes)
    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(tmp_path / "cache"))
    path = _write(tmp_path, "ke.csv", DC_HEADER + "Nairobi,Acme,-1.29,36.82,,,KE\n"
                  + "Nairobi swapped,Acme,36.82,-1.29,,,KE\n")
    report = import_layer(path, "data_centers")
    assert report.n_good == 1 and _rejected(report, 2)[0][0] == "lat/lon"


def test_invalid_geometry_in_geojson(user_cache: Path, tmp_path: Path):
    bowtie = [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [8.5, 47.4]},
         "properties": {"name": "Good"}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": bowtie},
         "properties": {"name": "Bowtie"}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
         "properties": {"name": "A line"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": "here"},
         "properties": {"name": "Garbage"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [10, 120]},
         "properties": {"name": "Swapped"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [8.5, 47.4]}},
        "not a feature",
    ]}
    path = _write(tmp_path, "geo.geojson", json.dumps(fc))
    report = import_layer(path, "data_centers")
    assert report.n_good == 1 and report.n_rejected == 6
    assert _rejected(report, 2)[0][0] == "geometry" and "Self-intersection" in _rejected(report, 2)[0][1]
    assert _rejected(report, 3)[0] == (
        "geometry", "a LineString is not allowed for data centers (use Point, Polygon, MultiPolygon)")
    assert _rejected(report, 4)[0][0] == "geometry"
    assert _rejected(report, 5)[0][0] == "geometry" and "swapped?" in _rejected(report, 5)[0][1]
    assert _rejected(report, 6) == [("name", "missing")]
    assert _rejected(report, 7) == [("type", "not a GeoJSON Feature")]


def test_duplicate_rows_keep_the_first(user_cache: Path, tmp_path: Path):
    row = "Alpha,Acme,37.4,-122.1,100,2020,US\n"
    path = _write(tmp_path, "dups.csv", DC_HEADER + row + "Beta,Acme,1,2,,,\n" + row.replace(",", " ,", 1))
    report = import_layer(path, "data_centers")
    assert report.n_good == 2
    assert _rejected(report, 3) == [("*", "duplicate of row 1")]


def test_price_without_unit_or_currency(user_cache: Path, tmp_path: Path):
    path = _write(tmp_path, "p.csv", "region_id,price,currency,unit,year,basis,source\n"
                  "DE,0.2,USD,kWh,2023,industrial,x\n"
                  "DE,0.2,USD,,2022,industrial,x\n"
                  "DE,0.2,,kWh,2021,industrial,x\n"
                  "DE,0.2,USD,litre,2020,industrial,x\n"
                  "DE,0.2,XYZ,kWh,2019,industrial,x\n"
                  "DE,200,USD,kWh,2018,industrial,x\n")
    report = import_layer(path, "electricity_prices")
    assert report.n_good == 1
    assert _rejected(report, 2) == [("unit", "the price '0.2' has no unit (kWh or MWh)")]
    assert _rejected(report, 3) == [("currency", "the price '0.2' has no currency")]
    assert _rejected(report, 4)[0][0] == "unit"
    assert _rejected(report, 5)[0][0] == "currency" and "no XYZ exchange rate" in _rejected(report, 5)[0][1]
    assert _rejected(report, 6)[0][0] == "price" and "implausible" in _rejected(report, 6)[0][1]


def test_non_numeric_power_price_and_year(user_cache: Path, tmp_path: Path):
    dcs = _write(tmp_path, "n.csv", DC_HEADER + "A,Acme,1,2,12MW,,\nB,Acme,1,2,5,soon,\n"
                 "C,Acme,1,2,\"1,250.5\",2024,\n")
    report = import_layer(dcs, "data_centers")
    assert _rejected(report, 1) == [("power_mw", "not a number: '12MW'")]
    assert _rejected(report, 2) == [("year_in_service", "not a number: 'soon'")]
    assert report.n_good == 1
    assert store.load("user-n", _catalog())["power_mw"].iloc[0] == 1250.5

    prices = _write(tmp_path, "np.csv", "region_id,usd_per_kwh,year,basis,source\n"
                    "DE,cheap,2020,industrial,x\nDE,0.1,20x0,industrial,x\nDE,0.1,1492,industrial,x\n"
                    "DE,0.1,2020,retail,x\nDE,0.1,2020,industrial,\nDE,0.1,2020,industrial,x\n")
    report = import_layer(prices, "electricity_prices")
    assert report.n_good == 1
    assert _rejected(report, 1) == [("usd_per_kwh", "not a number: 'cheap'")]
    assert _rejected(report, 2) == [("year", "not a number: '20x0'")]
    assert _rejected(report, 3)[0][0] == "year"
    assert _rejected(report, 4)[0][0] == "basis"
    assert _rejected(report, 5) == [("source", "missing")]


def test_unknown_region_and_country_codes(user_cache: Path, tmp_path: Path):
    path = _write(tmp_path, "r.csv", "name,region_id,country,share_pct\n"
                  "Good,CN-SC,,10\nOld code,CN-51,,10\nNo such,XX,,10\nMismatch,CN-SC,US,10\n"
                  "Bad country,,Atlantis,10\nLower,us-tx,,5\n")
    report = import_layer(path, "mining")
    assert report.n_good == 2  # CN-SC and us-tx (upper-cased)
    assert _rejected(report, 2)[0][0] == "region_id" and "'CN-51'" in _rejected(report, 2)[0][1]
    assert _rejected(report, 3)[0][0] == "region_id"
    assert _rejected(report, 4) == [("region_id", "CN-SC is not in the row's country US ('US')")]
    assert _rejected(report, 5) == [("country", "unknown country 'Atlantis'")]
    assert store.load("user-r", _catalog())["region_id"].tolist() == ["CN-SC", "US-TX"]


def test_ragged_and_blank_rows(user_cache: Path, tmp_path: Path):
    path = _write(tmp_path, "rag.csv", DC_HEADER + "A,Acme,1,2,,,\n\nB,Acme,1,2\n")
    report = import_layer(path, "data_centers")
    assert report.n_good == 1
    assert _rejected(report, 3) == [("*", "4 fields where the header has 7")]


# ---------------------------------------------------------------- text stays text


def test_markup_in_names_round_trips_as_data(user_cache: Path, tmp_path: Path):
    weird = 'Quote " comma, newline\nand tab\t'
    path = tmp_path / f"{XSS}.csv"
    import csv

    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "operator", "lat", "lon", "country"])
        w.writerow([XSS, weird, "1", "2", ""])
    report = import_layer(path, "data_centers")
    assert report.imported and report.name == "user-img-src-x-onerror-alert-1"
    frame = store.load(report.name, _catalog())
    assert frame["name"].tolist() == [XSS]
    assert frame["operator"].tolist() == [weird.strip()]
    record = tomllib.loads((report.path.parent / f"{report.name}.toml").read_text("utf-8"))
    assert record["attribution"] == f"user data: {XSS}.csv" and record["title"] == XSS


# ---------------------------------------------------------------- command line


def test_cli_exit_status(user_cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture):
    good = _write(tmp_path, "good.csv", DC_HEADER + "A,Acme,1,2,,,\nB,Acme,100,2,,,\n")
    bad = _write(tmp_path, "bad.csv", DC_HEADER + "A,Acme,100,200,,,\n")
    unusable = _write(tmp_path, "cols.csv", "foo,bar\n1,2\n")

    assert main_for_tests([str(good), "--kind", "data_centers", "--name", "mine"]) == 0
    out, err = capsys.readouterr()
    assert "imported user-mine (data_centers): 1 rows kept, 1 rejected" in out
    assert "good.csv: row 2: field 'lat': 100 is out of range [-90, 90]" in err

    assert main_for_tests([str(bad), "--kind", "data_centers"]) == 1
    assert "nothing imported" in capsys.readouterr().out
    assert [x.name for x in list_layers()] == ["user-mine"]  # nothing stored for bad.csv

    assert main_for_tests([str(unusable), "--kind", "data_centers"]) == 2
    assert "geomap: error: cols.csv: header: missing column(s)" in capsys.readouterr().err
    assert main_for_tests([str(good)]) == 2  # no --kind
    assert main_for_tests([str(good), "--kind", "cables"]) == 2  # argparse refuses the kind
    assert main_for_tests([]) == 2

    assert main_for_tests(["--list"]) == 0
    assert capsys.readouterr().out.startswith("user-mine\tdata_centers\t1 rows\t1 rejected")
    assert main_for_tests(["--remove", "user-mine"]) == 0
    assert main_for_tests(["--remove", "user-mine"]) == 2
    assert main_for_tests(["--list"]) == 0
    assert "no user layers" in capsys.readouterr().out


def test_add_parser_registers_import():
    import argparse

    parser = argparse.ArgumentParser(prog="geomap")
    cli.add_import_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["import", "x.csv", "--kind", "mining", "--name", "n"])
    assert (args.path, args.kind, args.name, args.func) == (Path("x.csv"), "mining", "n",
                                                           cli._cmd_import)


# ---------------------------------------------------------------- catalog, joins and costs


def test_damaged_records_are_skipped(user_cache: Path, tmp_path: Path):
    path = _write(tmp_path, "ok.csv", DC_HEADER + "A,Acme,1,2,,,\n")
    import_layer(path, "data_centers")
    broken = user_cache / "user" / "user-broken"
    broken.mkdir()
    (broken / "user-broken.toml").write_text("name = ", encoding="utf-8")
    with pytest.warns(UserWarning, match="user-broken"):
        assert [s.name for s in user_records()] == ["user-ok"]
    with pytest.warns(UserWarning) as caught:
        assert user_records(taken=["user-ok"]) == []
    assert any("the name is taken" in str(w.message) for w in caught)


def test_user_layers_join_regions_and_costs(prepared, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch):
    from geomap.costs import catalogs, estimate
    from geomap.regions import yearly as regions

    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(tmp_path / "cache"))
    dcs = _write(tmp_path, "gl-dcs.csv", DC_HEADER + "Nuuk DC,Acme,64.18,-51.72,30,2020,GL\n")
    prices = _write(tmp_path, "gl-prices.csv", "region_id,usd_per_kwh,year,basis,source\n"
                    "GL,0.031,2023,industrial,my utility bill\n")
    assert import_layer(dcs, "data_centers").imported
    assert import_layer(prices, "electricity_prices").imported
    catalog = _catalog()
    monkeypatch.undo()  # back to the session cache, where the built-in layers are prepared
    try:
        table, _ = regions.summarize(2024, catalog)
        gl = table.set_index("region_id").loc["GL"]
        assert gl["n_data_centers"] >= 1
        assert gl["price_usd_per_kwh"] == pytest.approx(0.031)
        assert gl["price_layer"] == "user-gl-prices"
        costs = estimate.cost_table(
            table.drop(columns="geometry"), catalogs.get_gpu("h800"), catalogs.get_model("deepseek-v3"),
            catalogs.default_assumptions(), 2024)
        assert costs.set_index("region_id").loc["GL"].notna().any()
    finally:
        userlayers._forget_prepared("user-gl-dcs")
        userlayers._forget_prepared("user-gl-prices")
