"""The one SparkSession both peer jobs use: Spark's defaults plus only what this machine and
the benchmark need (every setting is listed in bench/RESULTS.md)."""

import glob
import os

from pyspark.sql import SparkSession

JARS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers", "spark-jars")


def spark_session(name: str) -> SparkSession:
    spark = (
        SparkSession.builder.appName(name)
        .master("local[2]")  # the machine's two cores
        # The Kafka source and PostgreSQL driver fetched by setup.sh (instead of --packages,
        # which would resolve them from the network at every start).
        .config("spark.jars", ",".join(sorted(glob.glob(os.path.join(JARS, "*.jar")))))
        # Native times are converted to UTC explicitly; the session zone only decides how
        # zone-less values are read and written, so pin it rather than inherit the host's.
        .config("spark.sql.session.timeZone", "UTC")
        # parquetjs-lite writes page column indexes that parquet-mr rejects (it logs a stack
        # trace and falls back to reading every page); skip them rather than fail on each file.
        .config("spark.hadoop.parquet.filter.columnindex.enabled", "false")
        .config("spark.ui.enabled", "false")  # no web UI port on a shared machine
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("WARN")
    return spark
