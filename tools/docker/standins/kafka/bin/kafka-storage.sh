#!/bin/bash
# kafka-storage.sh of the stand-in image.
exec "$(dirname "$0")/kafka-run-class.sh" kafka.tools.StorageTool "$@"
