"""The original system's unit normalization, in PySpark: each region's native fields become
the canonical reading (UTC time, °C, percent, watts, volts). Shared by both Spark jobs."""

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

CANONICAL = ["event_id", "ts", "region", "host_id", "temp_c", "cpu_pct", "mem_pct", "disk_pct",
             "net_in_kbps", "net_out_kbps", "voltage_v", "power_w"]

# Native fields of every region (all versions), as declared by the original producers.
NATIVE_DDL = {
    "india": "server_code STRING, timestamp_ist STRING, temp_celsius DOUBLE, cpu_usage_percent DOUBLE, mem_usage_percent DOUBLE",
    "usa": "instance_id STRING, time_utc STRING, temp_fahrenheit DOUBLE, load_fraction DOUBLE, voltage_v DOUBLE, power_watts DOUBLE",
    "germany": "node_name STRING, epoch_time DOUBLE, epoch_ms DOUBLE, temp_kelvin DOUBLE, power_watts DOUBLE, cpu_percent DOUBLE, disk_used_pct DOUBLE",
}

# A CSV schema is positional, and India's v2 reordered its columns.
INDIA_CSV_DDL = {
    "v1": "server_code STRING, timestamp_ist STRING, temp_celsius DOUBLE, cpu_usage_percent DOUBLE",
    "v2": "timestamp_ist STRING, server_code STRING, cpu_usage_percent DOUBLE, temp_celsius DOUBLE, mem_usage_percent DOUBLE",
}


def _null() -> Column:
    return F.lit(None).cast("double")


def canonical_values(region: str, cols: set[str]) -> list[Column]:
    """One region's CANONICAL values (unnamed, in order) from its native ones (`cols`: those present; a version's
    missing metrics are null). An `event_id` column is kept when present, else derived as
    region:host:epoch_ms."""
    if region == "india":  # IST wall-clock text, °C, percent
        host, ts = F.col("server_code"), F.to_utc_timestamp(F.to_timestamp("timestamp_ist", "yyyy-MM-dd HH:mm:ss"), "Asia/Kolkata")
        metrics = {"temp_c": F.col("temp_celsius"), "cpu_pct": F.col("cpu_usage_percent"),
                   "mem_pct": F.col("mem_usage_percent") if "mem_usage_percent" in cols else _null()}
    elif region == "usa":  # ISO-8601 UTC text, °F, load as a 0–1 fraction, volts
        host, ts = F.col("instance_id"), F.to_timestamp("time_utc")
        metrics = {"temp_c": (F.col("temp_fahrenheit") - 32) * 5 / 9, "cpu_pct": F.col("load_fraction") * 100,
                   "voltage_v": F.col("voltage_v"), "power_w": F.col("power_watts") if "power_watts" in cols else _null()}
    else:  # germany: epoch seconds (v1) or milliseconds (v2), Kelvin, watts
        millis = F.coalesce(F.col("epoch_ms") if "epoch_ms" in cols else _null(),
                            F.col("epoch_time") * 1000 if "epoch_time" in cols else _null())
        host, ts = F.col("node_name"), F.timestamp_millis(millis.cast("long"))
        metrics = {"temp_c": F.col("temp_kelvin") - 273.15, "power_w": F.col("power_watts"),
                   "cpu_pct": F.col("cpu_percent") if "cpu_percent" in cols else _null(),
                   "disk_pct": F.col("disk_used_pct") if "disk_used_pct" in cols else _null()}
    derived_id = F.concat_ws(":", F.lit(region), host, F.unix_millis(ts).cast("string"))
    event_id = F.coalesce(F.col("event_id"), derived_id) if "event_id" in cols else derived_id
    return [event_id, ts, F.lit(region), host] + [metrics.get(name, _null()).cast("double") for name in CANONICAL[4:]]


def _valid(df: DataFrame) -> DataFrame:
    return df.where(F.col("ts").isNotNull() & F.col("host_id").isNotNull())


def normalize(df: DataFrame, region: str) -> DataFrame:
    """Rows of one region's native columns → CANONICAL columns."""
    values = canonical_values(region, set(df.columns))
    return _valid(df.select(*[v.alias(name) for v, name in zip(values, CANONICAL)]))


def normalize_mixed(df: DataFrame, region_col: str, regions=("india", "usa", "germany")) -> DataFrame:
    """Rows of several regions in one frame (`region_col` names each row's region; every
    region's native columns present) → CANONICAL columns, in a single pass over the rows."""
    per_region = {region: canonical_values(region, set(df.columns)) for region in regions}
    out = []
    for i, name in enumerate(CANONICAL):
        expr = None
        for region, values in per_region.items():
            matches = F.col(region_col) == region
            expr = F.when(matches, values[i]) if expr is None else expr.when(matches, values[i])
        out.append(expr.alias(name))
    return _valid(df.select(*out))
