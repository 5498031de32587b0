#!/bin/sh
# The example's tests: run the app, check its output, write JUnit XML to reports/unit.xml.
set -e
mkdir -p reports
out=$(sh build/hello)
{
  echo '<testsuite name="hello" tests="2">'
  case "$out" in
    *"from hello"*) echo '<testcase classname="hello" name="names itself"/>' ;;
    *) echo "<testcase classname=\"hello\" name=\"names itself\"><failure message=\"got: $out\"/></testcase>" ;;
  esac
  case "$out" in
    "${GREETING:-Hello} "*) echo '<testcase classname="hello" name="greets"/>' ;;
    *) echo "<testcase classname=\"hello\" name=\"greets\"><failure message=\"got: $out\"/></testcase>" ;;
  esac
  echo '</testsuite>'
} > reports/unit.xml
echo "tests written to reports/unit.xml"
