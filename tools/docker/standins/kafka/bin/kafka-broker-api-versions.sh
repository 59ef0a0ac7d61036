#!/bin/bash
# kafka-broker-api-versions.sh of the stand-in image.
exec "$(dirname "$0")/kafka-run-class.sh" org.apache.kafka.tools.BrokerApiVersionsCommand "$@"
