# Stand-in for apache/kafka:3.9.1: /opt/kafka with the broker's jars and the bin scripts our
# compose file calls, KAFKA_* variables rendered to server.properties at start, KRaft storage
# formatted with CLUSTER_ID on first start, user appuser (1000), data in /var/lib/kafka/data.
FROM pulse-standin/debian:bookworm
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless procps hostname >/dev/null \
 && rm -rf /var/lib/apt/lists/*
COPY libs /opt/kafka/libs
COPY run /etc/kafka/docker/run
RUN set -eu; mkdir -p /opt/kafka/bin /opt/kafka/config /var/lib/kafka/data /etc/kafka/secrets /mnt/shared/config; \
  for tool in kafka-server-start:kafka.Kafka kafka-storage:kafka.tools.StorageTool kafka-broker-api-versions:kafka.admin.BrokerApiVersionsCommand kafka-topics:kafka.admin.TopicCommand; do \
    name=${tool%%:*}; class=${tool#*:}; \
    printf '#!/bin/sh\nexec java ${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G} -cp "/opt/kafka/libs/*" %s "$@"\n' "$class" > /opt/kafka/bin/$name.sh; \
    chmod +x /opt/kafka/bin/$name.sh; done; \
  sed -i 's/\${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}/-Xmx256m/' /opt/kafka/bin/kafka-broker-api-versions.sh /opt/kafka/bin/kafka-storage.sh /opt/kafka/bin/kafka-topics.sh; \
  useradd --uid 1000 --create-home --shell /bin/bash appuser; \
  chown -R appuser:appuser /opt/kafka /mnt/shared/config; chown -R appuser:root /var/lib/kafka /etc/kafka; chmod -R ug+w /etc/kafka /var/lib/kafka; \
  chmod +x /etc/kafka/docker/run
USER appuser
EXPOSE 9092
VOLUME ["/etc/kafka/secrets", "/var/lib/kafka/data", "/mnt/shared/config"]
CMD ["/etc/kafka/docker/run"]
