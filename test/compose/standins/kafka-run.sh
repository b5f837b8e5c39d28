#!/usr/bin/env bash
# Start script of the apache/kafka stand-in, after the real image's /etc/kafka/docker/run:
# the documented defaults for unset variables, every KAFKA_* variable rendered as a broker
# property (KAFKA_FOO_BAR -> foo.bar, "__" -> "_", "___" -> "-"), the KRaft storage
# formatted with CLUSTER_ID unless it already is, then the broker in the foreground.
set -euo pipefail
declare -A defaults=(
  [CLUSTER_ID]=5L6g3nShT-eMCtK--X86sw [KAFKA_NODE_ID]=1 [KAFKA_PROCESS_ROLES]=broker,controller
  [KAFKA_LISTENER_SECURITY_PROTOCOL_MAP]=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT
  [KAFKA_LISTENERS]=PLAINTEXT://localhost:29092,CONTROLLER://localhost:29093,PLAINTEXT_HOST://0.0.0.0:9092
  [KAFKA_ADVERTISED_LISTENERS]=PLAINTEXT://localhost:29092,PLAINTEXT_HOST://localhost:9092
  [KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR]=1 [KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS]=0
  [KAFKA_TRANSACTION_STATE_LOG_MIN_ISR]=1 [KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR]=1
  [KAFKA_CONTROLLER_QUORUM_VOTERS]=1@localhost:29093 [KAFKA_INTER_BROKER_LISTENER_NAME]=PLAINTEXT
  [KAFKA_CONTROLLER_LISTENER_NAMES]=CONTROLLER [KAFKA_LOG_DIRS]=/tmp/kraft-combined-logs
)
for key in "${!defaults[@]}"; do
  if [[ -z "${!key:-}" ]]; then export "$key=${defaults[$key]}"; fi
done
# The real image sets inter.broker.listener.name by default; our compose file names only
# PLAINTEXT and CONTROLLER listeners, as does the default when none are given.
if [[ "$KAFKA_LISTENERS" != *"${KAFKA_INTER_BROKER_LISTENER_NAME}://"* ]]; then unset KAFKA_INTER_BROKER_LISTENER_NAME; fi

# Variables that configure the JVM or logging, not the broker.
skip=' KAFKA_VERSION KAFKA_HEAP_OPTS KAFKA_LOG4J_OPTS KAFKA_OPTS KAFKA_JMX_OPTS KAFKA_JVM_PERFORMANCE_OPTS KAFKA_GC_LOG_OPTS KAFKA_LOG4J_ROOT_LOGLEVEL KAFKA_LOG4J_LOGGERS KAFKA_TOOLS_LOG4J_LOGLEVEL KAFKA_JMX_HOSTNAME KAFKA_JMX_PORT '
properties=/opt/kafka/config/server.properties
: >"$properties"
while IFS='=' read -r name value; do
  [[ "$name" == KAFKA_* && "$skip" != *" $name "* ]] || continue
  key=${name#KAFKA_}; key=${key,,}; key=${key//___/-}; key=${key//__/@}; key=${key//_/.}; key=${key//@/_}
  echo "$key=$value" >>"$properties"
done < <(env)
cp -R /mnt/shared/config/. /opt/kafka/config/ 2>/dev/null || true
cat >/opt/kafka/config/log4j.properties <<'LOG4J'
log4j.rootLogger=${KAFKA_LOG4J_ROOT_LOGLEVEL:-INFO}, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
LOG4J
sed -i "s/\${KAFKA_LOG4J_ROOT_LOGLEVEL:-INFO}/${KAFKA_LOG4J_ROOT_LOGLEVEL:-INFO}/" /opt/kafka/config/log4j.properties

echo "===> Using provided cluster id $CLUSTER_ID ..."
result=$(java -Xmx256m -cp "/opt/kafka/libs/*" kafka.tools.StorageTool format --cluster-id="$CLUSTER_ID" -c "$properties" 2>&1) \
  || echo "$result" | grep -qi "already formatted" || { echo "$result"; exit 1; }
echo "===> Launching ..."
exec java ${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G} -XX:+UseG1GC -Djava.awt.headless=true \
  "-Dlog4j.configuration=file:/opt/kafka/config/log4j.properties" -cp "/opt/kafka/libs/*" kafka.Kafka "$properties"
