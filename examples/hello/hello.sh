#!/bin/sh
# The example application: prints a greeting.
echo "${GREETING:-Hello} from hello ${VERSION:-dev}"
