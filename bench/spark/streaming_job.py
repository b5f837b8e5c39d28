"""The original system's speed layer as a Structured Streaming job: read the live topic,
normalize each region's native JSON by its `pulse-schema` header, and for every micro-batch
append the readings to PostgreSQL over JDBC, then the raw messages to a JSON archive (both
sinks per micro-batch, database first, via foreachBatch). Prints "spark streaming running"
once the query has started; progress is visible in CHECKPOINT/commits.
  python streaming_job.py BROKERS TOPIC JDBC_URL TABLE ARCHIVE_DIR CHECKPOINT_DIR [earliest|latest]"""

import os
import signal
import sys
import time

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from normalize import NATIVE_DDL, normalize_mixed
from session import spark_session

# One JSON schema holding every region's fields (plus the producer's event_id).
PAYLOAD_DDL = "event_id STRING, " + ", ".join(
    dict.fromkeys(", ".join(NATIVE_DDL.values()).split(", "))  # union, in order, without repeats
)


def main() -> None:
    brokers, topic, url, table, archive, checkpoint = sys.argv[1:7]
    starting = sys.argv[7] if len(sys.argv) > 7 else "latest"
    props = {"user": os.environ["PGUSER"], "password": os.environ["PGPASSWORD"], "driver": "org.postgresql.Driver"}
    spark = spark_session("pulse-peer-streaming")

    raw = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", brokers)
        .option("subscribe", topic)
        .option("startingOffsets", starting)
        .option("includeHeaders", "true")
        .load()
    )
    schema_tag = F.expr("cast(filter(headers, h -> h.key = 'pulse-schema')[0].value as string)")
    messages = raw.select(
        F.col("value").cast("string").alias("value"), "topic", "partition", "offset", "timestamp",
        F.col("key").cast("string").alias("key"), F.split(schema_tag, "/")[0].alias("family"),
    )

    def write_batch(batch: DataFrame, batch_id: int) -> None:
        batch.persist()  # both sinks read the micro-batch; fetch it from Kafka once
        parsed = batch.select("family", F.from_json("value", PAYLOAD_DDL).alias("p")).select("family", "p.*")
        readings = normalize_mixed(parsed.where(F.col("family").isin("india", "usa", "germany")), "family")
        t0 = time.monotonic()
        readings.write.jdbc(url, table, mode="append", properties=props)
        t1 = time.monotonic()
        batch.drop("family").write.mode("append").json(archive)
        batch.unpersist()
        if os.environ.get("SPARK_PEER_TRACE"):
            print(f"batch {batch_id}: jdbc {t1 - t0:.2f} s, archive {time.monotonic() - t1:.2f} s", file=sys.stderr, flush=True)

    query = messages.writeStream.foreachBatch(write_batch).option("checkpointLocation", checkpoint).start()

    def stop(*_):
        query.stop()
        spark.stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    print("spark streaming running", flush=True)
    query.awaitTermination()


if __name__ == "__main__":
    main()
