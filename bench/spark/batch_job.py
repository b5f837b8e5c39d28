"""The original system's batch ETL as a Spark job: read each region's history (India CSV,
USA JSON lines, Germany Parquet, every schema version), normalize units, append to PostgreSQL
over JDBC. Prints one JSON line per region with its seconds, then the total.
  python batch_job.py HISTORY_DIR JDBC_URL TABLE   (user/password in PGUSER / PGPASSWORD)"""

import json
import os
import sys
import time

from pyspark.sql import SparkSession

from normalize import INDIA_CSV_DDL, NATIVE_DDL, normalize
from session import spark_session


def read_region(spark: SparkSession, history: str, region: str):
    # Versions differ in columns and order, so each is read with its own header/schema and
    # normalized on its own; normalize() fills the columns a version lacks with nulls.
    frames = []
    for version in ("v1", "v2"):
        path = f"{history}/{region}/*_{version}.*"
        if region == "india":
            frame = spark.read.schema(INDIA_CSV_DDL[version]).option("header", "true").csv(path)
        elif region == "usa":
            frame = spark.read.schema(NATIVE_DDL[region]).json(path)
        else:
            frame = spark.read.parquet(path)  # Parquet carries its own schema
        frames.append(normalize(frame, region))
    return frames[0].unionByName(frames[1])


def main() -> None:
    history, url, table = sys.argv[1:4]
    props = {"user": os.environ["PGUSER"], "password": os.environ["PGPASSWORD"], "driver": "org.postgresql.Driver"}
    spark = spark_session("pulse-peer-batch")
    started = time.monotonic()
    for region in ("india", "usa", "germany"):
        t0 = time.monotonic()
        read_region(spark, history, region).write.jdbc(url, table, mode="append", properties=props)
        print(json.dumps({"phase": region, "seconds": time.monotonic() - t0}), flush=True)
    print(json.dumps({"phase": "total", "seconds": time.monotonic() - started}), flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
