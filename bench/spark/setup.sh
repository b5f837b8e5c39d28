#!/usr/bin/env bash
# Installs the Spark peer under bench/peers/ (git-ignored): a virtualenv with PySpark from
# PyPI, plus the Kafka source and PostgreSQL JDBC jars from Maven Central. Safe to re-run.
#   bash bench/spark/setup.sh        (npm run bench:peer runs it when anything is missing)
set -euo pipefail
PYSPARK_VERSION=3.5.7   # keep equal to spark.version in bench/spark/pom.xml
here="$(cd "$(dirname "$0")" && pwd)"
peers="$here/../peers"
venv="$peers/spark-venv"
jars="$peers/spark-jars"
mkdir -p "$peers"

if ! "$venv/bin/python" -c "import pyspark, sys; sys.exit(pyspark.__version__ != '$PYSPARK_VERSION')" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pyspark==$PYSPARK_VERSION"
fi

if ! ls "$jars"/spark-sql-kafka-0-10_2.12-$PYSPARK_VERSION.jar >/dev/null 2>&1; then
  rm -rf "$jars"
  (cd "$here" && mvn -q -B dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$jars")
  # Drop jars PySpark already ships (Scala, SLF4J, snappy, lz4...): a second, older copy on
  # the classpath would shadow the one Spark was built with.
  bundled="$("$venv/bin/python" -c 'import pyspark, os; print(os.path.join(os.path.dirname(pyspark.__file__), "jars"))')"
  for jar in "$jars"/*.jar; do
    artifact="$(basename "$jar" | sed -E 's/-[0-9][0-9.]*(-[0-9]+)?\.jar$//')"
    if ls "$bundled/$artifact"-[0-9]*.jar >/dev/null 2>&1; then rm "$jar"; fi
  done
fi
echo "spark peer ready: pyspark $PYSPARK_VERSION in $venv, jars: $(cd "$jars" && ls | tr '\n' ' ')"
