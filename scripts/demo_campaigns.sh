#!/usr/bin/env bash
# The demo's campaign loop, as a planner and the channel systems would play it:
# validate the campaign files, try the trial count, approve (the under-powered front-desk pilot
# with an override and its reason), activate, then run the campaign days from FIRST to LAST
# with the channel simulator answering each day's exports, and write the report of LAST.
# Usage: scripts/demo_campaigns.sh FIRST_DATE LAST_DATE   (telco-mart on PATH or BIN set)
set -euo pipefail
FIRST=$1
LAST=$2
TM=${BIN:-.venv/bin}/telco-mart
quiet() { grep -vE "WARN|log4j|setLogLevel|incubator|^Using Spark|^Setting default|^To adjust" || true; }

$TM campaigns validate
echo "-- trial count of the good offer:"
$TM campaigns preview fit_3g_recommended --date "$FIRST" 2>&1 | quiet
state() { $TM campaigns list | awk -v id="$1" '$1 == id {print $2}'; }
for id in fit_3g_recommended flagship_5g_upsell renewal_front_desk; do
  if [ "$(state "$id")" = draft ]; then
    if [ "$id" = renewal_front_desk ]; then
      echo "-- $id: too few contracts end this month for a powered test; approved as a pilot with a reason"
      $TM campaigns approve "$id" --by planner.li --date "$FIRST" \
        --override "front-desk pilot: its effect is read over the quarter, not one week" 2>&1 | quiet | tail -2
    else
      $TM campaigns approve "$id" --by planner.li --date "$FIRST" 2>&1 | quiet | tail -2
    fi
    $TM campaigns activate "$id" --by ops.wang --date "$FIRST"
  fi
done
$TM campaigns log
echo "-- campaign days $FIRST..$LAST, the simulator playing the channels and the customers"
$TM campaigns run --date "$FIRST" --simulate-until "$LAST" 2>&1 | quiet
