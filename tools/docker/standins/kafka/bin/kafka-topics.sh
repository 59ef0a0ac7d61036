#!/bin/bash
# kafka-topics.sh of the stand-in image.
exec "$(dirname "$0")/kafka-run-class.sh" org.apache.kafka.tools.TopicCommand "$@"
