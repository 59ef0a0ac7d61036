#!/bin/bash
# kafka-run-class.sh of the stand-in image: runs a Kafka main class on the jars in /opt/kafka/libs.
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} ${KAFKA_OPTS:-} \
  -Dlog4j2.configurationFile=/opt/kafka/config/tools-log4j2.xml \
  -cp '/opt/kafka/libs/*' "$@"
